package sample

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// This file grows files shaped like two real exports, for benchmarks that
// must see what real data costs: properties that are nearly unique per event
// (product ids, prices, session ids, URLs with query strings), next to a few
// that are not (brand, device). The shapes follow the two public samples the
// project keeps for checking by hand (REES46's e-commerce CSV and Google's
// GA4 BigQuery export sample); the values are made up.

// REES46Funnel and GA4Funnel are the funnels the two shapes are built
// around, each step a different event name.
var (
	REES46Funnel = []string{"view", "cart", "purchase"}
	GA4Funnel    = []string{"session_start", "view_item", "add_to_cart", "begin_checkout", "purchase"}
)

// skewed draws an index in [0, n) with a long-tailed popularity: index 0 is
// the most popular, and the density falls as a power of the rank, so a
// sample of n draws sees most of the catalogue but a few items often.
func skewed(r *rand.Rand, n int, power float64) int {
	return min(n-1, int(float64(n)*math.Pow(r.Float64(), power)))
}

// appendUUID appends a random version-4 UUID.
func appendUUID(buf []byte, r *rand.Rand) []byte {
	const hexd = "0123456789abcdef"
	hi, lo := r.Uint64(), r.Uint64()
	hi = hi&^(0xf<<12) | 4<<12         // version 4
	lo = lo&^(0x3<<62) | uint64(2)<<62 // variant 10
	var b [16]byte
	for i := range 8 {
		b[i] = byte(hi >> (56 - 8*i))
		b[8+i] = byte(lo >> (56 - 8*i))
	}
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			buf = append(buf, '-')
		}
		buf = append(buf, hexd[x>>4], hexd[x&15])
	}
	return buf
}

var brandHead = []string{"samsung", "apple", "xiaomi", "huawei", "lucente", "lg", "bosch", "oppo", "sony", "acer",
	"lenovo", "respect", "artel", "hp", "indesit", "casio", "elenberg", "redmond", "asus", "cordiant", "pulser",
	"haier", "vitek", "polaris", "tefal", "philips", "beko", "midea", "atlant", "janome", "braun", "canon", "nokia",
	"shiseido", "aqua", "creed", "luminarc", "baden", "brw", "msi", "svc", "santeri", "oasis", "vivo", "pdw"}

var syllables = []string{"ka", "lo", "ri", "ten", "mar", "vi", "sto", "ne", "zu", "pe", "dal", "or", "kin", "ta", "bel", "mo", "sa", "rex", "fi", "gon"}

var categoryCodes = []string{"electronics.smartphone", "electronics.audio.headphone", "electronics.video.tv",
	"electronics.clocks", "electronics.tablet", "electronics.audio.subwoofer", "electronics.camera.photo",
	"electronics.telephone", "electronics.video.projector", "computers.notebook", "computers.desktop",
	"computers.components.motherboard", "computers.components.videocards", "computers.components.memory",
	"computers.peripherals.printer", "computers.peripherals.monitor", "computers.network.router",
	"appliances.kitchen.washer", "appliances.kitchen.refrigerators", "appliances.kitchen.microwave",
	"appliances.kitchen.mixer", "appliances.kitchen.kettle", "appliances.kitchen.blender", "appliances.kitchen.hood",
	"appliances.environment.vacuum", "appliances.environment.water_heater", "appliances.environment.air_heater",
	"appliances.environment.air_conditioner", "appliances.iron", "appliances.personal.hair_cutter",
	"appliances.sewing_machine", "furniture.living_room.sofa", "furniture.living_room.cabinet",
	"furniture.bedroom.bed", "furniture.bathroom.toilet", "furniture.kitchen.table", "apparel.shoes",
	"apparel.shoes.keds", "apparel.shoes.sandals", "apparel.trousers", "apparel.costume", "apparel.underwear",
	"auto.accessories.player", "auto.accessories.alarm", "auto.accessories.videoregister", "construction.tools.drill",
	"construction.tools.saw", "construction.tools.light", "construction.components.faucet", "kids.toys",
	"kids.carriage", "kids.skates", "sport.bicycle", "sport.tennis", "sport.ski", "country_yard.cultivator",
	"accessories.bag", "accessories.umbrella", "medicine.tools.tonometer", "stationery.cartrige"}

// WriteREES46 writes a CSV of about n events shaped like the REES46
// e-commerce behaviour export (event_time, event_type, product_id,
// category_id, category_code, brand, price, user_id, user_session): times
// such as "2019-10-01 00:00:00 UTC" from October 1st 2019, in time order
// across users; mostly views, then carts, purchases and a few
// remove_from_cart, in sessions that walk REES46Funnel with falling odds; a
// catalogue of n/4 products with long-tailed popularity, each with its
// 19-digit category id, an often empty dotted category code, an often empty
// brand (a few thousand of them, long-tailed) and a price with two decimals;
// 9-digit user ids and one UUID per session. It is about 130 bytes a row.
// It returns the users and events written; the same n and seed give the
// same bytes.
func WriteREES46(w io.Writer, n int, seed uint64) (users, events int, err error) {
	if n < 0 {
		return 0, 0, fmt.Errorf("rees46: negative event count %d", n)
	}
	r := rand.New(rand.NewPCG(seed, uint64(n)^0x7ee5_46))

	// The catalogue: categories, brands, products.
	nCat := 300 + n/3000
	type category struct {
		id   uint64
		code int // index into categoryCodes, -1 for none
	}
	cats := make([]category, nCat)
	for i := range cats {
		cats[i].id = 2053013552000000000 + r.Uint64N(13_000_000_000)
		if r.IntN(500) == 0 {
			cats[i].id = 2103807459000000000 + r.Uint64N(1_000_000_000)
		}
		cats[i].code = -1
		if r.IntN(100) < 65 {
			cats[i].code = skewed(r, len(categoryCodes), 1.6)
		}
	}
	nBrand := 600 + n/300
	brands := make([]string, nBrand)
	seenBrand := map[string]bool{}
	for i := range brands {
		if i < len(brandHead) {
			brands[i] = brandHead[i]
		} else {
			for {
				var b []byte
				for k := 2 + r.IntN(2); k > 0; k-- {
					b = append(b, syllables[r.IntN(len(syllables))]...)
				}
				if s := string(b); !seenBrand[s] {
					brands[i] = s
					break
				}
			}
		}
		seenBrand[brands[i]] = true
	}
	nProd := max(50, n/2)
	type product struct {
		id    uint32
		cat   int32
		brand int32 // -1 for none
		cents uint32
	}
	prods := make([]product, nProd)
	stride := max(1, 99_000_000/nProd)
	for i, rank := range r.Perm(nProd) {
		p := &prods[rank] // popularity rank -> a product id anywhere in the range
		p.id = uint32(1_000_000 + i*stride + r.IntN(stride))
		p.cat = int32(skewed(r, nCat, 1.8))
		p.brand = -1
		if r.IntN(100) < 87 {
			p.brand = int32(skewed(r, nBrand, 2.2))
		}
		p.cents = uint32(min(257_400, max(88, int(math.Exp(r.NormFloat64()*1.2+5)*100))))
	}

	// The events, user by user, session by session.
	type row struct {
		ts      int64 // unix seconds
		user    uint32
		session uint32
		ev      uint8
		prod    uint32
	}
	const (
		evView = iota
		evCart
		evRemove
		evPurchase
	)
	evNames := []string{"view", "cart", "remove_from_cart", "purchase"}
	start := time.Date(2019, 10, 1, 0, 0, 0, 0, time.UTC).Unix()
	span := min(int64(31*24*3600), max(3600, int64(n)*27/10))
	rows := make([]row, 0, n+64)
	var userIDs []uint32
	seenUser := map[uint32]bool{}
	sessions := uint32(0)
	for len(rows) < n {
		uid := uint32(512_000_000 + r.IntN(48_000_000))
		if seenUser[uid] {
			continue
		}
		seenUser[uid] = true
		u := uint32(len(userIDs))
		userIDs = append(userIDs, uid)
		t := start + r.Int64N(span)
		nSess := 1
		for nSess < 12 && r.IntN(100) < 40 {
			nSess++
		}
		for s := 0; s < nSess && len(rows) < n; s++ {
			sid := sessions
			sessions++
			add := func(ev uint8, p uint32) {
				rows = append(rows, row{t, u, sid, ev, p})
			}
			var carted []uint32
			for v := 1 + int(r.ExpFloat64()*4); v > 0 && len(rows) < n; v-- {
				p := uint32(skewed(r, nProd, 2))
				add(evView, p)
				if r.IntN(100) < 4 {
					t++ // the same product viewed again a second later
					add(evView, p)
				}
				gap := func() {
					if r.IntN(100) >= 3 { // else the next event falls in the same second
						t += 1 + int64(r.ExpFloat64()*40)
					}
				}
				gap()
				if r.IntN(100) < 3 {
					add(evCart, p)
					carted = append(carted, p)
					gap()
				}
			}
			for _, p := range carted {
				switch x := r.IntN(100); {
				case x < 55:
					t += int64(r.ExpFloat64() * 300)
					add(evPurchase, p)
				case x < 70:
					t += int64(r.ExpFloat64() * 120)
					add(evRemove, p)
				}
			}
			if len(carted) == 0 && r.IntN(1000) < 6 { // bought without a recorded cart
				add(evPurchase, uint32(skewed(r, nProd, 2)))
			}
			t += 3600 + r.Int64N(5*24*3600)
			if t >= start+span {
				break
			}
		}
	}
	rows = rows[:min(len(rows), n)]
	slices.SortStableFunc(rows, func(a, b row) int { return cmp.Compare(a.ts, b.ts) })

	// Session ids are drawn in session order so they do not depend on the
	// sort.
	sessionUUID := make([]string, sessions)
	for i := range sessionUUID {
		sessionUUID[i] = string(appendUUID(nil, r))
	}

	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\n")
	var buf []byte
	used := make([]bool, len(userIDs))
	for _, x := range rows {
		if !used[x.user] {
			used[x.user] = true
			users++
		}
		p := prods[x.prod]
		buf = time.Unix(x.ts, 0).UTC().AppendFormat(buf[:0], "2006-01-02 15:04:05 UTC")
		buf = append(buf, ',')
		buf = append(buf, evNames[x.ev]...)
		buf = append(buf, ',')
		buf = strconv.AppendUint(buf, uint64(p.id), 10)
		buf = append(buf, ',')
		c := cats[p.cat]
		buf = strconv.AppendUint(buf, c.id, 10)
		buf = append(buf, ',')
		if c.code >= 0 {
			buf = append(buf, categoryCodes[c.code]...)
		}
		buf = append(buf, ',')
		if p.brand >= 0 {
			buf = append(buf, brands[p.brand]...)
		}
		buf = append(buf, ',')
		buf = strconv.AppendUint(buf, uint64(p.cents/100), 10)
		buf = append(buf, '.', byte('0'+p.cents/10%10), byte('0'+p.cents%10), ',')
		buf = strconv.AppendUint(buf, uint64(userIDs[x.user]), 10)
		buf = append(buf, ',')
		buf = append(buf, sessionUUID[x.session]...)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return users, 0, fmt.Errorf("rees46: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return users, 0, fmt.Errorf("rees46: %w", err)
	}
	return users, len(rows), nil
}

// ga4 is the catalogue and audience of the GA4-shaped export: the Google
// Merchandise Store of Google's public sample.
var (
	ga4Host       = "https://shop.googlemerchandisestore.com/"
	ga4Categories = []string{"Apparel", "Bags", "Drinkware", "Lifestyle", "Office", "Electronics", "Accessories",
		"Stationery", "Campus Collection", "Kids", "Small Goods", "Writing", "Eco-Friendly", "Headgear"}
	ga4Brands = []string{"Google", "YouTube", "Android", "Google Cloud", "#IamRemarkable", "Super G"}
	ga4Colors = []string{"Black", "White", "Navy", "Blue", "Green", "Red", "Grey", "Charcoal", "Yellow", "Aqua"}
	ga4Things = []string{"Tee", "Hoodie", "Crewneck Sweater", "Cap", "Beanie", "Backpack", "Tote", "Water Bottle",
		"Mug", "Tumbler", "Notebook", "Pen Set", "Sticker Sheet", "Socks", "Zip Hoodie", "Jacket", "Lunch Bag",
		"Phone Case", "Charging Cable", "Speaker", "Keychain", "Lanyard", "Umbrella", "Journal", "Onesie", "Plush"}
	ga4Motifs = []string{"Dino Game", "Campus", "Cloud", "Bike", "Chrome Dino", "Pride", "Earth Day", "Summer19",
		"Doogler", "Maps Pin", "Crew", "Classic", "Badge", "Flat", "Stacked", "Ombre", "Heathered", "Recycled"}
	ga4Variants = []string{"(not set)", "XS", "SM", "MD", "LG", "XL", "2XL", "Single Item", "OSFA"}
	ga4Search   = []string{"bottle", "hoodie", "mask", "tee", "backpack", "dino", "youtube", "android", "socks",
		"sticker", "mug", "hat", "jacket", "kids", "pen", "notebook", "cloud", "sale", "google", "bag"}
	ga4Languages = []string{"en-us", "en-us", "en-us", "en-gb", "zh", "en", "fr", "es", "de", "ja", "ko", "it", "pt-br", "ru"}
	ga4Geo       = [][5]string{
		{"Americas", "Northern America", "United States", "California", "Mountain View"},
		{"Americas", "Northern America", "United States", "California", "San Jose"},
		{"Americas", "Northern America", "United States", "New York", "New York"},
		{"Americas", "Northern America", "United States", "Texas", "Laredo"},
		{"Americas", "Northern America", "United States", "Illinois", "Chicago"},
		{"Americas", "Northern America", "United States", "Washington", "Seattle"},
		{"Americas", "Northern America", "United States", "(not set)", "(not set)"},
		{"Americas", "Northern America", "Canada", "Ontario", "Toronto"},
		{"Asia", "Southern Asia", "India", "Delhi", "Delhi"},
		{"Asia", "Southern Asia", "India", "Madhya Pradesh", "Indore"},
		{"Asia", "Southern Asia", "India", "Karnataka", "Bengaluru"},
		{"Asia", "Eastern Asia", "Japan", "Tokyo", "Tokyo"},
		{"Asia", "Eastern Asia", "Taiwan", "Taipei City", "Taipei"},
		{"Europe", "Northern Europe", "United Kingdom", "England", "London"},
		{"Europe", "Western Europe", "France", "Ile-de-France", "Paris"},
		{"Europe", "Western Europe", "Germany", "Bavaria", "Munich"},
		{"Europe", "Southern Europe", "Italy", "Lombardy", "Milan"},
		{"Europe", "Southern Europe", "Spain", "Community of Madrid", "Madrid"},
		{"Oceania", "Australasia", "Australia", "Australian Capital Territory", "Canberra"},
		{"Americas", "South America", "Brazil", "State of Sao Paulo", "Sao Paulo"},
	}
	// medium, name, source; the user's first touch.
	ga4Traffic = [][3]string{
		{"organic", "(organic)", "google"}, {"organic", "(organic)", "google"}, {"organic", "(organic)", "bing"},
		{"(none)", "(direct)", "(direct)"}, {"(none)", "(direct)", "(direct)"}, {"(none)", "(direct)", "(direct)"},
		{"referral", "(referral)", "shop.googlemerchandisestore.com"}, {"referral", "(referral)", "youtube.com"},
		{"cpc", "<Other>", "google"}, {"<Other>", "<Other>", "<Other>"}, {"<Other>", "<Other>", "<Other>"},
		{"(data deleted)", "(data deleted)", "(data deleted)"},
	}
)

const (
	gaFirstVisit = iota
	gaSessionStart
	gaPageView
	gaUserEngagement
	gaScroll
	gaViewItem
	gaViewItemList
	gaSelectItem
	gaViewPromotion
	gaSelectPromotion
	gaViewSearchResults
	gaAddToCart
	gaBeginCheckout
	gaAddShippingInfo
	gaAddPaymentInfo
	gaPurchase
)

var ga4EventNames = []string{"first_visit", "session_start", "page_view", "user_engagement", "scroll", "view_item",
	"view_item_list", "select_item", "view_promotion", "select_promotion", "view_search_results", "add_to_cart",
	"begin_checkout", "add_shipping_info", "add_payment_info", "purchase"}

type ga4Item struct {
	prod int32
	qty  int32
}

type ga4Event struct {
	ts        int64 // microseconds
	user      int32
	sess      int32
	name      uint8
	landing   bool  // the session's first page view: entrances and campaign parameters
	engageMs  int32 // engagement_time_msec, 0 for none
	page      int32 // index into the pages
	query     string
	referrer  string
	search    string
	items     []ga4Item
	value     float64
	revenue   float64 // the user's lifetime revenue so far
	txn       string
	debugMode bool
	gtm       bool // clean_event and all_data
}

type ga4User struct {
	pseudoID   string
	firstTouch int64
	device     int
	geo        int
	traffic    int
	language   string
}

type ga4Session struct {
	id     int64
	number int32
}

type ga4Page struct {
	path, title string
	prod        int32 // the product on a product page, else -1
	cat         int32 // the category on a category or product page, else -1
}

type ga4Product struct {
	id, name, brand, variant string
	cat                      int32
	price                    float64
}

// ga4Devices are whole device records: category, brand, model, marketing
// name, OS, OS version, browser, browser version.
var ga4Devices = [][8]string{
	{"desktop", "Google", "Chrome", "<Other>", "Web", "<Other>", "Chrome", "87.0"},
	{"desktop", "Google", "Chrome", "<Other>", "Windows", "Windows 10", "Chrome", "86.0"},
	{"desktop", "Google", "Chrome", "<Other>", "Macintosh", "Macintosh Intel 10.15", "Chrome", "87.0"},
	{"desktop", "Apple", "Safari", "<Other>", "Macintosh", "Macintosh Intel 10.15", "Safari", "14.0"},
	{"desktop", "Microsoft", "Edge", "<Other>", "Windows", "Windows 10", "Edge", "87.0"},
	{"desktop", "<Other>", "Firefox", "<Other>", "Linux", "<Other>", "Firefox", "83.0"},
	{"desktop", "Google", "Chrome", "<Other>", "Chrome OS", "13505.63.0", "Chrome", "<Other>"},
	{"mobile", "Apple", "iPhone", "iPhone", "iOS", "iOS 14.2", "Safari", "14.0"},
	{"mobile", "Apple", "iPhone", "iPhone", "iOS", "iOS 13.7", "Safari", "13.1"},
	{"mobile", "Samsung", "SM-G973F", "Galaxy S10", "Android", "Android 10", "Chrome", "87.0"},
	{"mobile", "Google", "Pixel 4a", "Pixel 4a", "Android", "Android 11", "Chrome", "87.0"},
	{"mobile", "Xiaomi", "Redmi Note 8 Pro", "Redmi Note 8 Pro", "Android", "Android 10", "Chrome", "86.0"},
	{"tablet", "Apple", "iPad", "iPad", "iOS", "iOS 14.2", "Safari", "14.0"},
	{"tablet", "Samsung", "SM-T510", "Galaxy Tab A", "Android", "Android 10", "Chrome", "87.0"},
}

// ga4Device picks a device record: desktop 65%, mobile 32%, tablet 3%.
func ga4Device(r *rand.Rand) int {
	var cat string
	switch x := r.IntN(100); {
	case x < 65:
		cat = "desktop"
	case x < 97:
		cat = "mobile"
	default:
		cat = "tablet"
	}
	var of []int
	for i, d := range ga4Devices {
		if d[0] == cat {
			of = append(of, i)
		}
	}
	return of[skewed(r, len(of), 1.5)]
}

// WriteGA4 writes an NDJSON file of about n events shaped like Google's
// GA4 BigQuery export (the obfuscated Google Merchandise Store sample):
// event_date, event_timestamp in microseconds, event_name, event_params as
// [{key, value: {string_value, int_value, float_value, double_value}}] (a
// unique ga_session_id per session, page_location URLs with query strings,
// page_title, engagement_time_msec, ga_session_number, ...), user_pseudo_id,
// nested device (with web_info), geo, traffic_source, privacy_info,
// user_ltv, ecommerce and items (empty, or item records on the e-commerce
// events). Sessions start with first_visit (the user's first), session_start
// and a page_view at the same microsecond, and walk GA4Funnel with falling
// odds. Lines are about 2.7 KB and in time order from November 1st 2020.
// It returns the users and events written; the same n and seed give the
// same bytes.
func WriteGA4(w io.Writer, n int, seed uint64) (users, events int, err error) {
	if n < 0 {
		return 0, 0, fmt.Errorf("ga4: negative event count %d", n)
	}
	r := rand.New(rand.NewPCG(seed, uint64(n)^0x6a4))

	// The catalogue and the pages.
	prods := make([]ga4Product, 380)
	seenName := map[string]bool{}
	for i := range prods {
		p := &prods[i]
		for {
			p.brand = ga4Brands[skewed(r, len(ga4Brands), 2)]
			p.name = p.brand + " " + ga4Motifs[r.IntN(len(ga4Motifs))] + " " + ga4Things[r.IntN(len(ga4Things))]
			if r.IntN(2) == 0 {
				p.name += " " + ga4Colors[r.IntN(len(ga4Colors))]
			}
			if !seenName[p.name] {
				seenName[p.name] = true
				break
			}
		}
		p.id = strconv.Itoa(9_180_000 + i*37 + r.IntN(37))
		p.cat = int32(r.IntN(len(ga4Categories)))
		p.variant = ga4Variants[r.IntN(len(ga4Variants))]
		p.price = float64(2 + r.IntN(80))
	}
	plus := func(s string) []byte {
		b := []byte(s)
		for i, c := range b {
			if c == ' ' {
				b[i] = '+'
			}
		}
		return b
	}
	pages := []ga4Page{
		{"", "Home", -1, -1},
		{"store.html", "Google Online Store", -1, -1},
		{"asearch.html", "Store search results", -1, -1},
		{"basket.html", "Shopping Cart", -1, -1},
		{"yourinfo.html", "Checkout Your Information", -1, -1},
		{"payment.html", "Payment Method", -1, -1},
		{"revieworder.html", "Checkout Review", -1, -1},
		{"ordercompleted.html", "Checkout Confirmation", -1, -1},
	}
	const (
		pHome = iota
		pStore
		pSearch
		pBasket
		pInfo
		pPayment
		pReview
		pDone
		pFirstCategory
	)
	for c, name := range ga4Categories {
		pages = append(pages, ga4Page{"Google+Redesign/" + string(plus(name)), name + " | Google Merchandise Store", -1, int32(c)})
	}
	firstProductPage := len(pages)
	for i, p := range prods {
		pages = append(pages, ga4Page{"Google+Redesign/" + string(plus(ga4Categories[p.cat])) + "/" + string(plus(p.name)),
			p.name, int32(i), p.cat})
	}

	// pickPage draws a page: kinds[i] below cuts[i] percent, the last kind
	// above them; a product or a category page by popularity.
	const anyProduct, anyCategory = -1, -2
	pickPage := func(cuts, kinds []int) int {
		x, kind := r.IntN(100), kinds[len(kinds)-1]
		for i, c := range cuts {
			if x < c {
				kind = kinds[i]
				break
			}
		}
		switch kind {
		case anyProduct:
			return firstProductPage + skewed(r, len(prods), 1.7)
		case anyCategory:
			return pFirstCategory + skewed(r, len(ga4Categories), 1.5)
		}
		return kind
	}

	// The events, user by user, session by session.
	start := time.Date(2020, 11, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	const span = 92 * 24 * 3600 * 1_000_000
	var all []ga4Event
	var userList []ga4User
	var sessions []ga4Session
	seenSession := map[int64]bool{}
	randID := func(digits int) string {
		b := make([]byte, digits)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		return string(b)
	}
	for len(all) < n {
		u := int32(len(userList))
		t := start + r.Int64N(span)
		user := ga4User{
			pseudoID:   strconv.Itoa(1_000_000+r.IntN(9_000_000)) + "." + randID(10),
			firstTouch: t,
			device:     ga4Device(r),
			geo:        skewed(r, len(ga4Geo), 1.8),
			traffic:    r.IntN(len(ga4Traffic)),
			language:   "",
		}
		if r.IntN(100) < 67 {
			user.language = ga4Languages[r.IntN(len(ga4Languages))]
		}
		userList = append(userList, user)
		revenue := 0.0
		nSess := 1
		for nSess < 8 && r.IntN(100) < 25 {
			nSess++
		}
		for s := 0; s < nSess && len(all) < n; s++ {
			var sid int64
			for {
				sid = 1_000_000 + r.Int64N(9_999_000_000)
				if !seenSession[sid] {
					seenSession[sid] = true
					break
				}
			}
			si := int32(len(sessions))
			sessions = append(sessions, ga4Session{sid, int32(s + 1)})
			gtm := r.IntN(100) < 40
			add := func(name uint8, page int) *ga4Event {
				all = append(all, ga4Event{ts: t, user: u, sess: si, name: name, page: int32(page),
					debugMode: name != gaSessionStart && name != gaFirstVisit, gtm: gtm && name != gaSessionStart && name != gaFirstVisit,
					revenue: revenue})
				return &all[len(all)-1]
			}
			landing := pickPage([]int{30, 60, 65}, []int{anyProduct, anyCategory, pStore, pHome})
			query := ""
			tr := ga4Traffic[user.traffic]
			switch {
			case s == 0 && tr[0] == "cpc":
				query = "?utm_source=google&utm_medium=cpc&utm_campaign=" + []string{"holiday_sale", "brand_search", "apparel_q4"}[r.IntN(3)] +
					"&gclid=" + randGclid(r)
			case s == 0 && tr[0] == "referral":
				query = "?utm_source=" + tr[2] + "&utm_medium=referral&utm_content=" + randID(6)
			case r.IntN(100) < 50:
				query = "?_gl=1*" + randID(7) + "*_ga*" + randID(10) + "." + randID(10)
			}
			referrer := ""
			if tr[0] == "referral" || r.IntN(100) < 15 {
				referrer = "https://" + []string{"www.google.com/", "www.youtube.com/", "shop.googlemerchandisestore.com/"}[r.IntN(3)]
			}
			if s == 0 {
				add(gaFirstVisit, landing).query = query
			}
			add(gaSessionStart, landing).query = query
			pv := add(gaPageView, landing)
			pv.landing, pv.query, pv.referrer = true, query, referrer
			prev := ga4Host + pages[landing].path + query
			page := landing
			var carted []ga4Item
			search := ""
			for v := 1 + int(r.ExpFloat64()*4); v > 0 && len(all) < n; v-- {
				if e := &all[len(all)-1]; e.name != gaPageView || !e.landing {
					t += 1000 + r.Int64N(20_000_000)
					e := add(gaPageView, page)
					e.referrer = prev
					if page == pSearch {
						search = ga4Search[r.IntN(len(ga4Search))]
						e.query = "?vid=20160512512&mod=search&q=" + search
					}
					prev = ga4Host + pages[page].path + e.query
				}
				pg := pages[page]
				switch {
				case pg.prod >= 0:
					if r.IntN(100) >= 30 { // else the same microsecond as its page_view
						t += int64(r.IntN(400_000))
					}
					e := add(gaViewItem, page)
					e.items = []ga4Item{{pg.prod, 1}}
					e.value = prods[pg.prod].price
					if r.IntN(100) < 10 {
						t += 2_000_000 + r.Int64N(40_000_000)
						q := int32(1 + skewed(r, 4, 2))
						e := add(gaAddToCart, page)
						e.items = []ga4Item{{pg.prod, q}}
						e.value = prods[pg.prod].price * float64(q)
						carted = append(carted, ga4Item{pg.prod, q})
					}
				case pg.cat >= 0 && r.IntN(100) < 25:
					t += int64(r.IntN(900_000))
					e := add(gaViewItemList, page)
					for k := 1 + r.IntN(3); k > 0; k-- {
						e.items = append(e.items, ga4Item{int32(r.IntN(len(prods))), 1})
					}
				case page == pHome && r.IntN(100) < 45:
					t += int64(r.IntN(900_000))
					add(gaViewPromotion, page)
					if r.IntN(100) < 10 {
						t += 1_000_000 + r.Int64N(9_000_000)
						add(gaSelectPromotion, page)
					}
				case page == pSearch:
					add(gaViewSearchResults, page).search = search
				}
				if r.IntN(100) < 35 {
					t += 5_000_000 + r.Int64N(60_000_000)
					e := add(gaScroll, page)
					e.engageMs = int32(2000 + r.IntN(60_000))
				}
				t += 1_000_000 + r.Int64N(90_000_000)
				e := add(gaUserEngagement, page)
				e.engageMs = int32(500 + r.ExpFloat64()*20_000)
				page = pickPage([]int{45, 75, 85, 92}, []int{anyProduct, anyCategory, pSearch, pHome, pStore})
				if len(carted) > 0 && r.IntN(100) < 30 {
					break
				}
			}
			// Checkout, with falling odds.
			checkout := len(carted) > 0 && r.IntN(100) < 45
			total := 0.0
			for _, it := range carted {
				total += prods[it.prod].price * float64(it.qty)
			}
			for k, step := range []struct {
				name uint8
				page int
				odds int
			}{{gaBeginCheckout, pBasket, 100}, {gaAddShippingInfo, pInfo, 80}, {gaAddPaymentInfo, pPayment, 80}, {gaPurchase, pDone, 75}} {
				if !checkout || r.IntN(100) >= step.odds || len(all) >= n {
					break
				}
				t += 3_000_000 + r.Int64N(120_000_000)
				add(gaPageView, step.page).referrer = prev
				prev = ga4Host + pages[step.page].path
				if r.IntN(100) >= 20 {
					t += int64(r.IntN(300_000))
				}
				e := add(step.name, step.page)
				e.items = slices.Clone(carted)
				e.value = total
				if step.name == gaPurchase {
					e.txn = strconv.Itoa(10_000 + len(sessions)*7 + k)
					revenue += total
				}
			}
			t += 3_600_000_000 + r.Int64N(10*24*3600*1_000_000)
		}
	}
	all = all[:min(len(all), n)]
	slices.SortStableFunc(all, func(a, b ga4Event) int { return cmp.Compare(a.ts, b.ts) })

	bw := bufio.NewWriterSize(w, 1<<20)
	j := &jsonLine{}
	used := make([]bool, len(userList))
	for i := range all {
		e := &all[i]
		if !used[e.user] {
			used[e.user] = true
			users++
		}
		j.b = j.b[:0]
		writeGA4Event(j, r, e, &userList[e.user], sessions[e.sess], pages, prods)
		if _, err := bw.Write(j.b); err != nil {
			return users, 0, fmt.Errorf("ga4: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return users, 0, fmt.Errorf("ga4: %w", err)
	}
	return users, len(all), nil
}

func randGclid(r *rand.Rand) string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
	b := make([]byte, 52)
	for i := range b {
		b[i] = alnum[r.IntN(len(alnum))]
	}
	return string(b)
}

// jsonLine appends JSON in the layout of the export (", " and ": "
// separators, as Python's json.dumps writes them).
type jsonLine struct {
	b     []byte
	first bool
}

func (j *jsonLine) open()  { j.b = append(j.b, '{'); j.first = true }
func (j *jsonLine) close() { j.b = append(j.b, '}'); j.first = false }

func (j *jsonLine) key(k string) {
	if !j.first {
		j.b = append(j.b, ", "...)
	}
	j.first = false
	j.b = appendJSONString(j.b, k)
	j.b = append(j.b, ": "...)
}

func (j *jsonLine) str(k, v string) {
	j.key(k)
	j.b = appendJSONString(j.b, v)
}

// strOrNull writes null for "".
func (j *jsonLine) strOrNull(k, v string) {
	if v == "" {
		j.null(k)
		return
	}
	j.str(k, v)
}

func (j *jsonLine) int(k string, v int64) {
	j.key(k)
	j.b = strconv.AppendInt(j.b, v, 10)
}

func (j *jsonLine) float(k string, v float64) {
	j.key(k)
	j.b = appendJSONFloat(j.b, v)
}

func (j *jsonLine) null(k string) {
	j.key(k)
	j.b = append(j.b, "null"...)
}

func (j *jsonLine) raw(k, v string) {
	j.key(k)
	j.b = append(j.b, v...)
}

// object writes "k": {...} with fill writing the members.
func (j *jsonLine) object(k string, fill func()) {
	j.key(k)
	j.open()
	fill()
	j.close()
}

func appendJSONFloat(b []byte, v float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', -1, 64)
	for _, c := range b[start:] {
		if c == '.' {
			return b
		}
	}
	return append(b, ".0"...)
}

func appendJSONString(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// param writes one event_params record; v is a string, an int64, a float64
// (double_value) or nil (every field null).
func (j *jsonLine) param(k string, v any) {
	if !j.first {
		j.b = append(j.b, ", "...)
	}
	j.first = false
	j.b = append(j.b, `{"key": `...)
	j.b = appendJSONString(j.b, k)
	j.b = append(j.b, `, "value": {"string_value": `...)
	if s, ok := v.(string); ok {
		j.b = appendJSONString(j.b, s)
	} else {
		j.b = append(j.b, "null"...)
	}
	j.b = append(j.b, `, "int_value": `...)
	if x, ok := v.(int64); ok {
		j.b = strconv.AppendInt(j.b, x, 10)
	} else {
		j.b = append(j.b, "null"...)
	}
	j.b = append(j.b, `, "float_value": null, "double_value": `...)
	if x, ok := v.(float64); ok {
		j.b = appendJSONFloat(j.b, x)
	} else {
		j.b = append(j.b, "null"...)
	}
	j.b = append(j.b, "}}"...)
}

func writeGA4Event(j *jsonLine, r *rand.Rand, e *ga4Event, u *ga4User, s ga4Session, pages []ga4Page, prods []ga4Product) {
	pg := pages[e.page]
	name := ga4EventNames[e.name]
	j.open()
	j.str("event_date", time.UnixMicro(e.ts).UTC().Format("20060102"))
	j.int("event_timestamp", e.ts)
	j.str("event_name", name)

	j.key("event_params")
	j.b = append(j.b, '[')
	j.first = true
	tr := ga4Traffic[u.traffic]
	j.param("page_title", pg.title)
	if e.gtm {
		j.param("all_data", nil)
	}
	j.param("page_location", ga4Host+pg.path+e.query)
	j.param("ga_session_number", int64(s.number))
	if e.gtm {
		j.param("clean_event", "gtm.js")
	}
	if e.name != gaSessionStart || r.IntN(100) < 88 {
		j.param("engaged_session_event", int64(1))
	}
	if e.name == gaSessionStart || e.name == gaFirstVisit {
		if r.IntN(100) < 4 {
			j.param("session_engaged", int64(1))
		}
	} else {
		j.param("session_engaged", strconv.Itoa(r.IntN(2)))
	}
	j.param("ga_session_id", s.id)
	if e.debugMode {
		j.param("debug_mode", int64(1))
	}
	if e.landing {
		j.param("entrances", int64(1))
		if tr[0] != "(none)" {
			j.param("medium", tr[0])
			j.param("source", tr[2])
			j.param("campaign", tr[1])
			if tr[0] == "organic" || tr[0] == "cpc" {
				j.param("term", "(not provided)")
			}
		}
	}
	if e.referrer != "" {
		j.param("page_referrer", e.referrer)
	} else if r.IntN(100) < 20 {
		j.param("page_referrer", nil)
	}
	if e.engageMs > 0 {
		j.param("engagement_time_msec", int64(e.engageMs))
	}
	switch e.name {
	case gaScroll:
		j.param("percent_scrolled", int64(90))
	case gaViewSearchResults:
		j.param("search_term", e.search)
		j.param("unique_search_term", int64(1))
	case gaViewPromotion, gaSelectPromotion:
		j.param("promotion_name", "Holiday Shop")
		j.param("creative_name", "holiday_banner_"+strconv.Itoa(int(e.ts/1_000_000%3)))
	case gaAddToCart, gaBeginCheckout, gaAddShippingInfo, gaAddPaymentInfo, gaPurchase:
		j.param("currency", "USD")
		j.param("value", e.value)
		if e.name == gaAddShippingInfo {
			j.param("shipping_tier", []string{"Ground", "Express", "Overnight"}[r.IntN(3)])
		}
		if e.name == gaAddPaymentInfo {
			j.param("payment_type", "Pay with credit card")
		}
		if e.name == gaPurchase {
			j.param("transaction_id", e.txn)
		}
	}
	j.b = append(j.b, ']')
	j.first = false

	j.null("event_previous_timestamp")
	if e.name == gaPurchase {
		j.float("event_value_in_usd", e.value)
	} else {
		j.null("event_value_in_usd")
	}
	j.int("event_bundle_sequence_id", int64(1_000_000_000+r.Int64N(9_000_000_000)))
	j.null("event_server_timestamp_offset")
	j.null("user_id")
	j.str("user_pseudo_id", u.pseudoID)
	j.object("privacy_info", func() {
		j.null("analytics_storage")
		j.null("ads_storage")
		j.str("uses_transient_token", "No")
	})
	j.raw("user_properties", "[]")
	j.int("user_first_touch_timestamp", u.firstTouch)
	j.object("user_ltv", func() {
		j.float("revenue", e.revenue)
		j.str("currency", "USD")
	})
	d := ga4Devices[u.device]
	j.object("device", func() {
		j.str("category", d[0])
		j.str("mobile_brand_name", d[1])
		j.str("mobile_model_name", d[2])
		j.str("mobile_marketing_name", d[3])
		j.null("mobile_os_hardware_model")
		j.str("operating_system", d[4])
		j.str("operating_system_version", d[5])
		j.null("vendor_id")
		j.null("advertising_id")
		j.strOrNull("language", u.language)
		j.str("is_limited_ad_tracking", "No")
		j.null("time_zone_offset_seconds")
		j.object("web_info", func() {
			j.str("browser", d[6])
			j.str("browser_version", d[7])
		})
	})
	g := ga4Geo[u.geo]
	j.object("geo", func() {
		j.str("continent", g[0])
		j.str("sub_continent", g[1])
		j.str("country", g[2])
		j.str("region", g[3])
		j.str("city", g[4])
		j.str("metro", "(not set)")
	})
	j.null("app_info")
	j.object("traffic_source", func() {
		j.str("medium", tr[0])
		j.str("name", tr[1])
		j.str("source", tr[2])
	})
	j.int("stream_id", 2100450278)
	j.str("platform", "WEB")
	j.null("event_dimensions")
	j.object("ecommerce", func() {
		qty, unique := int64(0), int64(len(e.items))
		for _, it := range e.items {
			qty += int64(it.qty)
		}
		ecom := e.name >= gaAddToCart
		if ecom {
			j.int("total_item_quantity", qty)
		} else {
			j.null("total_item_quantity")
		}
		if e.name == gaPurchase {
			j.float("purchase_revenue_in_usd", e.value)
			j.float("purchase_revenue", e.value)
		} else {
			j.null("purchase_revenue_in_usd")
			j.null("purchase_revenue")
		}
		j.null("refund_value_in_usd")
		j.null("refund_value")
		for _, k := range []string{"shipping_value_in_usd", "shipping_value", "tax_value_in_usd", "tax_value"} {
			if e.name == gaPurchase {
				j.float(k, 0)
			} else {
				j.null(k)
			}
		}
		if ecom {
			j.int("unique_items", unique)
		} else {
			j.null("unique_items")
		}
		switch {
		case e.name == gaPurchase:
			j.str("transaction_id", e.txn)
		case ecom:
			j.str("transaction_id", "(not set)")
		default:
			j.null("transaction_id")
		}
	})
	j.key("items")
	j.b = append(j.b, '[')
	for i, it := range e.items {
		if i > 0 {
			j.b = append(j.b, ", "...)
		}
		p := prods[it.prod]
		j.open()
		j.str("item_id", p.id)
		j.str("item_name", p.name)
		j.str("item_brand", p.brand)
		j.str("item_variant", p.variant)
		j.str("item_category", ga4Categories[p.cat])
		for _, k := range []string{"item_category2", "item_category3", "item_category4", "item_category5"} {
			j.str(k, "(not set)")
		}
		j.float("price_in_usd", p.price)
		j.float("price", p.price)
		j.int("quantity", int64(it.qty))
		if e.name == gaPurchase {
			j.float("item_revenue_in_usd", p.price*float64(it.qty))
			j.float("item_revenue", p.price*float64(it.qty))
		} else {
			j.null("item_revenue_in_usd")
			j.null("item_revenue")
		}
		j.null("item_refund_in_usd")
		j.null("item_refund")
		j.str("coupon", "(not set)")
		j.str("affiliation", "(not set)")
		j.str("location_id", "(not set)")
		j.str("item_list_id", "(not set)")
		j.str("item_list_name", "Not available in demo dataset")
		j.str("item_list_index", "(not set)")
		j.str("promotion_id", "(not set)")
		j.str("promotion_name", "(not set)")
		j.str("creative_name", "(not set)")
		j.str("creative_slot", "(not set)")
		j.close()
	}
	j.b = append(j.b, ']')
	j.close()
	j.b = append(j.b, '\n')
}
