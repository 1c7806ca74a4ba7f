// Package sample generates realistic, deterministic event data for three
// business types (an online store, a service site and a content project) and
// holds the funnel presets each type starts from.
//
// Every generated dataset has real structure planted in it (segments that
// differ, micro conversions that raise the odds of the macro one); the
// findings are listed with measured numbers in docs/SAMPLES.md and a test
// checks that the funnel engine finds each of them.
package sample

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"microfunnel/dataset"
)

// Business is a kind of site the generator models.
type Business string

const (
	Store   Business = "store"   // online store; macro conversion: purchase
	Service Business = "service" // service site; macro conversion: submitted request
	Content Business = "content" // content project; macro conversion: sign-up
)

// Defaults of the sample command.
const (
	DefaultUsers        = 20000
	DefaultSeed  uint64 = 1
)

// The generated calendar is fixed, not taken from the clock, so that a seed
// gives the same events on every machine and on every day. Users arrive
// during the first ArrivalDays days; sessions start before SessionDays.
const (
	ArrivalDays = 56 // 8 weeks
	SessionDays = 63 // returning users may come back one more week
)

var (
	// Start is the earliest time of any generated event.
	Start = time.Date(2026, time.September, 1, 0, 0, 0, 0, time.UTC)
	// End bounds every generated event (exclusive): the last session starts
	// before Start+SessionDays and no session lasts a day.
	End = Start.AddDate(0, 0, SessionDays+1)
)

// Businesses lists the business types in their display order.
func Businesses() []Business { return []Business{Store, Service, Content} }

// ParseBusiness reads a business type name such as "store".
func ParseBusiness(s string) (Business, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, b := range Businesses() {
		if string(b) == s {
			return b, nil
		}
	}
	return "", fmt.Errorf("unknown business type %q: want one of %s", s, businessList())
}

func businessList() string {
	var names []string
	for _, b := range Businesses() {
		names = append(names, string(b))
	}
	return strings.Join(names, ", ")
}

// DefaultDataset is the dataset name the sample command writes a business
// type's events to.
func DefaultDataset(b Business) string { return string(b) }

// Segment property keys carried by every event, in the order of Record.Props.
// The fifth key is business specific (see TypeKey).
const (
	KeyDevice    = "device"
	KeyCountry   = "country"
	KeySource    = "source"
	KeyNewReturn = "new_vs_returning"
)

// TypeKey is the business-specific property every event of b carries:
// category (store), service (service site) or topic (content).
func TypeKey(b Business) string {
	switch b {
	case Store:
		return "category"
	case Service:
		return "service"
	case Content:
		return "topic"
	}
	return ""
}

// model generates one user's events; it reads and writes only g.
type model func(g *gen)

type business struct {
	prefix string // user id prefix
	salt   uint64 // keeps the three datasets of one seed unrelated
	run    model
}

func lookup(b Business) (business, error) {
	switch b {
	case Store:
		return business{"s-", 0x5e0f1a7b3c9d2e41, genStore}, nil
	case Service:
		return business{"v-", 0x2b7e151628aed2a6, genService}, nil
	case Content:
		return business{"c-", 0x9e3779b97f4a7c15, genContent}, nil
	}
	return business{}, fmt.Errorf("unknown business type %q: want one of %s", string(b), businessList())
}

// Generate produces the events of users users of business type b and passes
// each to emit, user after user, each user's events in time order. The same
// b, users and seed give the same events on every machine.
//
// To keep generation free of per-event allocations, emit receives the same
// *dataset.Record every time, its Props slice included: emit must copy what it
// keeps and must not retain the pointer or the slice (the strings themselves
// are immutable and may be kept). An error from emit stops generation and is
// returned as is.
func Generate(b Business, users int, seed uint64, emit func(*dataset.Record) error) error {
	m, err := lookup(b)
	if err != nil {
		return err
	}
	if users < 0 {
		return fmt.Errorf("generate %s: negative number of users %d", b, users)
	}
	g := &gen{
		emit:     emit,
		start:    Start.UnixMilli(),
		lastSess: Start.AddDate(0, 0, SessionDays).UnixMilli(),
	}
	g.props[0].Key = KeyDevice
	g.props[1].Key = KeyCountry
	g.props[2].Key = KeySource
	g.props[3].Key = KeyNewReturn
	g.props[4].Key = TypeKey(b)
	width := max(6, len(strconv.Itoa(users-1)))
	for i := range users {
		// Each user has its own stream, a function of (seed, business, user
		// index) alone, so a change to one user's model cannot shift the
		// random numbers of every later user.
		g.r.Seed(seed^m.salt, uint64(i))
		g.rec.User = userID(m.prefix, i, width)
		g.beginUser()
		m.run(g)
		if g.err != nil {
			return g.err
		}
	}
	return nil
}

func userID(prefix string, i, width int) string {
	var buf, num [24]byte
	n := strconv.AppendInt(num[:0], int64(i), 10)
	b := append(buf[:0], prefix...)
	for range width - len(n) {
		b = append(b, '0')
	}
	return string(append(b, n...))
}

// gen is the state shared by the three business models: the random stream,
// the reused Record, the user's clock and segment profile.
//
// All randomness is integer arithmetic on the PCG output (probabilities in
// basis points, durations drawn from integer tables): floating point would
// let compilers on other architectures fuse operations and round differently,
// and then a seed would not give the same events everywhere.
type gen struct {
	r     rand.PCG
	rec   dataset.Record
	props [5]dataset.Prop
	emit  func(*dataset.Record) error
	err   error

	start, lastSess int64 // ms
	t               int64 // time of the next event, ms

	device  int // index into devices
	source  int // index into sources
	session int // 0 for the first session
}

// Device and source indices the models test for.
const (
	desktop = iota
	mobile
	tablet
)

const (
	organic = iota
	ads
	social
	email
	referral
)

var (
	devices   = newTable("desktop", 44, "mobile", 46, "tablet", 10)
	countries = newTable("US", 28, "GB", 12, "DE", 11, "FR", 9, "CA", 7, "IN", 9, "BR", 8, "ES", 6, "NL", 5, "PL", 5)
	sources   = newTable("organic", 34, "ads", 26, "social", 16, "email", 9, "referral", 15)
	// Visits by hour of day (UTC): quiet nights, a lunch bump, busy evenings.
	hours = newTable(
		"0", 2, "1", 1, "2", 1, "3", 1, "4", 1, "5", 2, "6", 3, "7", 4, "8", 5, "9", 6, "10", 6, "11", 6,
		"12", 7, "13", 6, "14", 6, "15", 6, "16", 6, "17", 6, "18", 7, "19", 8, "20", 8, "21", 7, "22", 5, "23", 3)
)

// sourceIntent is how likely a user from each source is to convert, in
// percent of an organic visitor: email subscribers already know the brand,
// social visitors mostly browse.
var sourceIntent = [...]int{organic: 100, ads: 80, social: 55, email: 175, referral: 115}

// personalIntent spreads users of one source: most are lukewarm, a few
// arrive ready to act.
var personalIntent = newTable("40", 25, "75", 30, "110", 25, "160", 13, "260", 7)

// beginUser draws the user's profile and the time of the first visit.
func (g *gen) beginUser() {
	g.device = g.pick(devices)
	g.source = g.pick(sources)
	g.session = 0
	g.props[0].Value = devices.vals[g.device]
	g.props[1].Value = countries.vals[g.pick(countries)]
	g.props[2].Value = sources.vals[g.source]
	g.props[3].Value = "new"
	g.props[4].Value = ""
	day := int64(g.intn(ArrivalDays))
	hour := int64(hours.ints[g.pick(hours)])
	g.t = g.start + day*msDay + hour*msHour + int64(g.intn(msHour))
}

// intent is the user's conversion propensity in percent of average.
func (g *gen) intent() int {
	return sourceIntent[g.source] * personalIntent.ints[g.pick(personalIntent)] / 100
}

const (
	msSecond = 1000
	msMinute = 60 * msSecond
	msHour   = 60 * msMinute
	msDay    = 24 * msHour
)

// intn is uniform in [0, n) (Lemire's multiply-shift; its bias is below
// 2^-40 for the small n used here).
func (g *gen) intn(n int) int {
	hi, _ := bits.Mul64(g.r.Uint64(), uint64(n))
	return int(hi)
}

// chance is true with probability bp/10000, bp clamped to [0, 9800] so no
// modelled behaviour becomes certain.
func (g *gen) chance(bp int) bool { return g.intn(10000) < min(bp, 9800) }

// between is uniform in [lo, hi].
func (g *gen) between(lo, hi int) int { return lo + g.intn(hi-lo+1) }

// scale multiplies a probability in basis points by pct percent.
func scale(bp, pct int) int { return bp * pct / 100 }

// event emits one event at the current time, then lets the user think for a
// few seconds to a couple of minutes before the next one.
func (g *gen) event(name string) {
	if g.err != nil {
		return
	}
	g.rec.Time = g.t
	g.rec.Event = name
	g.rec.Props = g.props[:]
	g.err = g.emit(&g.rec)
	g.t += g.thinkTime()
}

// Think times: mostly seconds, sometimes minutes (reading, comparing, typing).
var think = newTable("2000-8000", 30, "8000-25000", 35, "25000-70000", 22, "70000-240000", 13)

func (g *gen) thinkTime() int64 {
	i := g.pick(think)
	return int64(g.between(think.lo[i], think.hi[i]))
}

// wait adds a pause of lo..hi seconds, e.g. filling a form.
func (g *gen) wait(lo, hi int) { g.t += int64(g.between(lo*msSecond, hi*msSecond)) }

// setType sets the business-specific property for the next events.
func (g *gen) setType(v string) { g.props[4].Value = v }

// beginSession emits session_start and a landing page_view.
func (g *gen) beginSession() {
	if g.session > 0 {
		g.props[3].Value = "returning"
	}
	g.event("session_start")
	g.event("page_view")
}

// Days until the next visit: a few come back the same day, most within a
// week, some after weeks.
var returnGap = newTable("1-20", 18, "20-72", 34, "72-168", 28, "168-504", 20)

// nextSession decides with probability bp whether the user comes back and,
// if so, moves the clock to the next visit. It is false when the user does
// not return or the next visit would fall after the generated period.
func (g *gen) nextSession(bp int) bool {
	if g.err != nil || g.session >= 15 || !g.chance(bp) {
		return false
	}
	i := g.pick(returnGap)
	g.t += int64(g.between(returnGap.lo[i]*msHour, returnGap.hi[i]*msHour))
	if g.t >= g.lastSess {
		return false
	}
	g.session++
	return true
}

// table is a weighted choice over values, with the values also parsed as
// ints or "lo-hi" ranges where they are numeric. Tables are slices built in
// source order, never maps, so iteration order cannot vary.
type table struct {
	vals   []string
	cum    []int
	total  int
	ints   []int
	lo, hi []int
}

// newTable takes value, weight pairs.
func newTable(pairs ...any) *table {
	t := &table{}
	for i := 0; i < len(pairs); i += 2 {
		v, w := pairs[i].(string), pairs[i+1].(int)
		t.total += w
		t.vals = append(t.vals, v)
		t.cum = append(t.cum, t.total)
		n, _ := strconv.Atoi(v)
		t.ints = append(t.ints, n)
		lo, hi, _ := strings.Cut(v, "-")
		l, _ := strconv.Atoi(lo)
		h, _ := strconv.Atoi(hi)
		t.lo, t.hi = append(t.lo, l), append(t.hi, h)
	}
	return t
}

// pick returns an index into t with probability proportional to its weight.
func (g *gen) pick(t *table) int {
	x := g.intn(t.total)
	for i, c := range t.cum {
		if x < c {
			return i
		}
	}
	return len(t.cum) - 1
}

// pickOther returns pref with probability bp/10000, otherwise any value of t
// by weight (possibly pref again): users mostly stay with their interest.
func (g *gen) pickOther(t *table, pref, bp int) int {
	if g.chance(bp) {
		return pref
	}
	return g.pick(t)
}

// eventNames lists, per business, every event name its generator emits, in
// rough funnel order.
var eventNames = map[Business][]string{
	Store:   {"session_start", "page_view", "search", "view_product", "add_to_wishlist", "add_to_cart", "begin_checkout", "purchase"},
	Service: {"session_start", "page_view", "view_service", "view_case_study", "view_pricing", "click_contact", "submit_request"},
	Content: {"session_start", "page_view", "search", "view_article", "subscribe_newsletter", "download_material", "register_webinar", "attend_webinar", "begin_sign_up", "sign_up"},
}

// EventNames lists the event names the generator of b emits (nil for an
// unknown business type).
func EventNames(b Business) []string { return append([]string(nil), eventNames[b]...) }
