package sample

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRealShapesDeterministic(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(io.Writer, int, uint64) (int, int, error)
	}{{"rees46", WriteREES46}, {"ga4", WriteGA4}} {
		t.Run(tc.name, func(t *testing.T) {
			sum := func(n int, seed uint64) [32]byte {
				var b bytes.Buffer
				if _, _, err := tc.write(&b, n, seed); err != nil {
					t.Fatal(err)
				}
				return sha256.Sum256(b.Bytes())
			}
			first, again := sum(800, 3), sum(800, 3)
			if first != again {
				t.Error("the same n and seed gave different bytes")
			}
			if first == sum(800, 4) {
				t.Error("another seed gave the same bytes")
			}
			if _, _, err := tc.write(io.Discard, -1, 1); err == nil {
				t.Error("a negative count gave no error")
			}
		})
	}
}

var (
	uuidRe  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	priceRe = regexp.MustCompile(`^[0-9]+\.[0-9]{2}$`)
	codeRe  = regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)+$`)
)

func TestWriteREES46Shape(t *testing.T) {
	const n = 20000
	var b bytes.Buffer
	users, events, err := WriteREES46(&b, n, 11)
	if err != nil {
		t.Fatal(err)
	}
	size := b.Len()
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"event_time", "event_type", "product_id", "category_id", "category_code", "brand", "price", "user_id", "user_session"}
	if !slices.Equal(rows[0], want) {
		t.Fatalf("header %v, want %v", rows[0], want)
	}
	rows = rows[1:]
	if events != n || len(rows) != n {
		t.Fatalf("%d events reported, %d rows, want %d", events, len(rows), n)
	}
	if per := float64(size) / n; per < 115 || per > 155 {
		t.Errorf("%.0f bytes a row, want about 130 like the real export", per)
	}
	distinct := make([]map[string]bool, len(want))
	for i := range distinct {
		distinct[i] = map[string]bool{}
	}
	types := map[string]int{}
	productPrice := map[string]string{}
	empty := map[string]int{}
	var last time.Time
	for i, r := range rows {
		for c, v := range r {
			distinct[c][v] = true
			if v == "" {
				empty[want[c]]++
			}
		}
		ts, err := time.Parse("2006-01-02 15:04:05 UTC", r[0])
		if err != nil {
			t.Fatalf("row %d: %v", i+2, err)
		}
		if ts.Before(last) {
			t.Fatalf("row %d: %s before the previous row's %s", i+2, r[0], last)
		}
		if ts.Year() != 2019 || ts.Month() != time.October && !(ts.Month() == time.November && ts.Day() == 1) {
			t.Fatalf("row %d: %s is not in October 2019", i+2, r[0])
		}
		last = ts
		types[r[1]]++
		if len(r[3]) != 19 || len(r[7]) != 9 {
			t.Fatalf("row %d: category_id %q (want 19 digits), user_id %q (want 9)", i+2, r[3], r[7])
		}
		for _, c := range []int{2, 3, 7} {
			if _, err := strconv.ParseUint(r[c], 10, 64); err != nil {
				t.Fatalf("row %d: %s %q is not a number", i+2, want[c], r[c])
			}
		}
		if !priceRe.MatchString(r[6]) || !uuidRe.MatchString(r[8]) {
			t.Fatalf("row %d: price %q or user_session %q malformed", i+2, r[6], r[8])
		}
		if r[4] != "" && !codeRe.MatchString(r[4]) {
			t.Fatalf("row %d: category_code %q is not a dotted path", i+2, r[4])
		}
		if p, ok := productPrice[r[2]]; ok && p != r[6] {
			t.Fatalf("row %d: product %s has prices %s and %s", i+2, r[2], p, r[6])
		}
		productPrice[r[2]] = r[6]
	}
	if users != len(distinct[7]) {
		t.Errorf("%d users reported, %d distinct user_id", users, len(distinct[7]))
	}
	// The funnel narrows as in the real month: ~96% views, ~2-3% carts, ~1-2% purchases.
	if v, c, p := types["view"], types["cart"], types["purchase"]; !(v > 20*c && c > p && p > n/200 && types["remove_from_cart"] > 0) {
		t.Errorf("event types %v do not narrow like the real export", types)
	}
	if len(types) != 4 {
		t.Errorf("event types %v, want view, cart, remove_from_cart, purchase", types)
	}
	ratio := func(col int) float64 { return float64(len(distinct[col])) / n }
	for _, c := range []struct {
		col      int
		min, max float64
	}{
		{2, 0.25, 0.9}, // product_id: thousands of products for a sample, hundreds of thousands for 1M events
		{6, 0.1, 0.9},  // price
		{8, 0.12, 0.5}, // user_session: one per session of a few events
		{5, 0.01, 0.2}, // brand: long-tailed, a few hundred here
		{7, 0.05, 0.3}, // user_id
	} {
		if r := ratio(c.col); r < c.min || r > c.max {
			t.Errorf("%s: %d distinct values in %d rows (%.2f), want %.2f..%.2f", want[c.col], len(distinct[c.col]), n, r, c.min, c.max)
		}
	}
	for _, c := range []struct {
		col      string
		min, max float64
	}{{"category_code", 0.2, 0.5}, {"brand", 0.05, 0.25}} {
		if s := float64(empty[c.col]) / n; s < c.min || s > c.max {
			t.Errorf("%s empty in %.0f%% of rows, want %.0f..%.0f%%", c.col, 100*s, 100*c.min, 100*c.max)
		}
	}
	for _, c := range []int{0, 1, 2, 3, 6, 7, 8} {
		if empty[want[c]] > 0 {
			t.Errorf("%s empty in %d rows", want[c], empty[want[c]])
		}
	}
}

// ga4Row is the part of the BigQuery export schema the test reads; the
// rest is checked by key.
type ga4Row struct {
	EventDate      string `json:"event_date"`
	EventTimestamp int64  `json:"event_timestamp"`
	EventName      string `json:"event_name"`
	EventParams    []struct {
		Key   string `json:"key"`
		Value struct {
			StringValue *string  `json:"string_value"`
			IntValue    *int64   `json:"int_value"`
			FloatValue  *float64 `json:"float_value"`
			DoubleValue *float64 `json:"double_value"`
		} `json:"value"`
	} `json:"event_params"`
	UserID       *string `json:"user_id"`
	UserPseudoID string  `json:"user_pseudo_id"`
	Device       struct {
		Category string `json:"category"`
		WebInfo  struct {
			Browser string `json:"browser"`
		} `json:"web_info"`
	} `json:"device"`
	Geo struct {
		Country string `json:"country"`
	} `json:"geo"`
	TrafficSource struct {
		Medium string `json:"medium"`
		Source string `json:"source"`
	} `json:"traffic_source"`
	Ecommerce struct {
		TransactionID *string `json:"transaction_id"`
	} `json:"ecommerce"`
	Items []map[string]any `json:"items"`
}

func TestWriteGA4Shape(t *testing.T) {
	const n = 3000
	var b bytes.Buffer
	users, events, err := WriteGA4(&b, n, 5)
	if err != nil {
		t.Fatal(err)
	}
	size := b.Len()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if events != n || len(lines) != n {
		t.Fatalf("%d events reported, %d lines, want %d", events, len(lines), n)
	}
	if per := float64(size) / n; per < 2400 || per > 3300 {
		t.Errorf("%.0f bytes a line, want about 2.7-2.9 KB like the real export", per)
	}
	topKeys := []string{"event_date", "event_timestamp", "event_name", "event_params", "event_previous_timestamp",
		"event_value_in_usd", "event_bundle_sequence_id", "event_server_timestamp_offset", "user_id", "user_pseudo_id",
		"privacy_info", "user_properties", "user_first_touch_timestamp", "user_ltv", "device", "geo", "app_info",
		"traffic_source", "stream_id", "platform", "event_dimensions", "ecommerce", "items"}
	names := map[string]int{}
	sessionOf := map[int64]string{} // ga_session_id -> user
	sessionStarts := map[int64]int{}
	pseudo, locations, devices := map[string]bool{}, map[string]bool{}, map[string]bool{}
	withQuery := 0
	var last int64
	for i, line := range lines {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &keys); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		for _, k := range topKeys {
			if _, ok := keys[k]; !ok {
				t.Fatalf("line %d: no %s", i+1, k)
			}
		}
		if len(keys) != len(topKeys) {
			t.Fatalf("line %d: %d top-level keys, want %d", i+1, len(keys), len(topKeys))
		}
		var r ga4Row
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if r.EventTimestamp < last {
			t.Fatalf("line %d: out of time order", i+1)
		}
		last = r.EventTimestamp
		ts := time.UnixMicro(r.EventTimestamp).UTC()
		if ts.Year() < 2020 || ts.Year() > 2021 || ts.Format("20060102") != r.EventDate {
			t.Fatalf("line %d: event_timestamp %d (%s) and event_date %s disagree", i+1, r.EventTimestamp, ts, r.EventDate)
		}
		if r.UserID != nil || r.UserPseudoID == "" || !strings.Contains(r.UserPseudoID, ".") {
			t.Fatalf("line %d: user_id %v, user_pseudo_id %q", i+1, r.UserID, r.UserPseudoID)
		}
		if r.Device.Category == "" || r.Device.WebInfo.Browser == "" || r.Geo.Country == "" || r.TrafficSource.Medium == "" {
			t.Fatalf("line %d: device, web_info, geo or traffic_source missing", i+1)
		}
		pseudo[r.UserPseudoID] = true
		devices[r.Device.Category] = true
		names[r.EventName]++
		params := map[string]int{}
		var sid int64
		for _, p := range r.EventParams {
			params[p.Key]++
			v := p.Value
			set := 0
			for _, f := range []bool{v.StringValue != nil, v.IntValue != nil, v.FloatValue != nil, v.DoubleValue != nil} {
				if f {
					set++
				}
			}
			if set > 1 {
				t.Fatalf("line %d: param %s has %d typed values", i+1, p.Key, set)
			}
			switch p.Key {
			case "ga_session_id", "ga_session_number", "engagement_time_msec":
				if v.IntValue == nil {
					t.Fatalf("line %d: %s is not an int_value", i+1, p.Key)
				}
				if p.Key == "ga_session_id" {
					sid = *v.IntValue
				}
			case "page_location":
				if v.StringValue == nil || !strings.HasPrefix(*v.StringValue, "https://") {
					t.Fatalf("line %d: page_location %v", i+1, v.StringValue)
				}
				locations[*v.StringValue] = true
				if strings.Contains(*v.StringValue, "?") {
					withQuery++
				}
			}
		}
		for k, c := range params {
			if c > 1 {
				t.Fatalf("line %d: param %s twice", i+1, k)
			}
		}
		for _, k := range []string{"ga_session_id", "ga_session_number", "page_location", "page_title"} {
			if params[k] != 1 {
				t.Fatalf("line %d (%s): no %s param", i+1, r.EventName, k)
			}
		}
		if u, ok := sessionOf[sid]; ok && u != r.UserPseudoID {
			t.Fatalf("line %d: ga_session_id %d belongs to two users", i+1, sid)
		}
		sessionOf[sid] = r.UserPseudoID
		if r.EventName == "session_start" {
			sessionStarts[sid]++
		}
		switch r.EventName {
		case "view_item", "add_to_cart", "begin_checkout", "add_shipping_info", "add_payment_info", "purchase", "view_item_list":
			if len(r.Items) == 0 {
				t.Fatalf("line %d: %s without items", i+1, r.EventName)
			}
			for _, k := range []string{"item_id", "item_name", "item_category", "price", "quantity"} {
				if _, ok := r.Items[0][k]; !ok {
					t.Fatalf("line %d: item without %s", i+1, k)
				}
			}
			if r.EventName == "purchase" && (r.Ecommerce.TransactionID == nil || *r.Ecommerce.TransactionID == "(not set)") {
				t.Fatalf("line %d: purchase without a transaction_id", i+1)
			}
		default:
			if len(r.Items) != 0 {
				t.Fatalf("line %d: %s with items", i+1, r.EventName)
			}
		}
	}
	if users != len(pseudo) {
		t.Errorf("%d users reported, %d distinct user_pseudo_id", users, len(pseudo))
	}
	for sid, c := range sessionStarts {
		if c != 1 {
			t.Errorf("session %d started %d times", sid, c)
		}
	}
	for _, d := range []string{"desktop", "mobile", "tablet"} {
		if !devices[d] {
			t.Errorf("no %s events", d)
		}
	}
	// Every step of the funnel happens, each less often than the one before.
	for i, name := range GA4Funnel {
		if names[name] == 0 || i > 0 && names[name] >= names[GA4Funnel[i-1]] && i > 1 {
			t.Errorf("event counts %v do not narrow along %v", names, GA4Funnel)
			break
		}
	}
	for _, name := range []string{"page_view", "user_engagement", "scroll", "first_visit", "add_shipping_info", "add_payment_info"} {
		if names[name] == 0 {
			t.Errorf("no %s events", name)
		}
	}
	if len(sessionOf) < n/30 || withQuery < n/20 || len(locations) < n/20 {
		t.Errorf("%d sessions, %d page_location values (%d with a query string) in %d events: too few", len(sessionOf), len(locations), withQuery, n)
	}
}
