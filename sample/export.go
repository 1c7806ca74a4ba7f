package sample

import (
	"bufio"
	"cmp"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// BenchFunnel is the 5-step funnel the benchmark export is built around.
var BenchFunnel = []string{"view_product", "add_to_cart", "begin_checkout", "add_payment_info", "purchase"}

var exportEvents = []string{"session_start", "page_view", "search", "add_to_wishlist", "view_product", "add_to_cart", "begin_checkout", "add_payment_info", "purchase"}

// WriteExport writes a synthetic CSV export of about n events (user_id,
// event, RFC 3339 timestamp, device, country, source) for benchmarks: about
// 16 events per user in sessions of a few minutes spread over two months,
// each session walking part of BenchFunnel, and the rows in time order, as
// analytics exports come, so that consecutive rows belong to random users.
// It returns the number of users and events written. The same n and seed
// give the same bytes.
func WriteExport(w io.Writer, n int, seed uint64) (users, events int, err error) {
	type row struct {
		ts                    int64
		user                  uint32
		ev, dev, country, src uint8
	}
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	const span = 60 * 24 * 3600 * 1000
	rows := make([]row, 0, n+64)
	for u := uint32(0); len(rows) < n; u++ {
		dev, country, src := uint8(r.IntN(3)), uint8(r.IntN(20)), uint8(r.IntN(5))
		t := start + r.Int64N(span)
		sessions := 1 + r.IntN(5)
		for s := 0; s < sessions && len(rows) < n; s++ {
			add := func(ev int) {
				rows = append(rows, row{t, u, uint8(ev), dev, country, src})
				t += 1000 + r.Int64N(120_000)
			}
			add(0)
			for k := r.IntN(6); k > 0; k-- {
				add(1 + r.IntN(3))
			}
			// Walk the funnel: each step is reached with falling odds.
			for step, p := 0, 0.7; step < len(BenchFunnel) && r.Float64() < p; step, p = step+1, 0.45 {
				add(4 + step)
			}
			t += r.Int64N(7 * 24 * 3600 * 1000)
		}
		users = int(u) + 1
	}
	rows = rows[:min(len(rows), n)]
	slices.SortStableFunc(rows, func(a, b row) int { return cmp.Compare(a.ts, b.ts) })
	devices := []string{"desktop", "mobile", "tablet"}
	sources := []string{"organic", "ads", "email", "social", "referral"}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("user_id,event,timestamp,device,country,source\n")
	var buf []byte
	for _, x := range rows {
		buf = append(buf[:0], 'u')
		buf = strconv.AppendUint(buf, uint64(x.user), 10)
		buf = append(buf, ',')
		buf = append(buf, exportEvents[x.ev]...)
		buf = append(buf, ',')
		buf = time.UnixMilli(x.ts).UTC().AppendFormat(buf, "2006-01-02T15:04:05.000Z")
		buf = append(buf, ',')
		buf = append(buf, devices[x.dev]...)
		buf = append(buf, ",C"...)
		buf = strconv.AppendUint(buf, uint64(x.country), 10)
		buf = append(buf, ',')
		buf = append(buf, sources[x.src]...)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return users, 0, err
		}
	}
	return users, len(rows), bw.Flush()
}
