package sample

// The content project: readers come for articles, some subscribe to the
// newsletter, download material or register for a webinar, and a few create
// an account.
//
// Planted structure (see docs/SAMPLES.md for measured numbers):
//   - webinar registrants sign up far more often (many on the day of the
//     webinar), newsletter subscribers and downloaders too;
//   - email traffic converts best;
//   - social traffic reads the most articles but signs up the least.

var topics = newTable("marketing", 26, "engineering", 24, "design", 18, "product", 18, "data", 14)

// Articles read in one session.
var articleViews = newTable("1", 34, "2", 26, "3", 17, "4", 11, "5", 7, "7", 5)

func genContent(g *gen) {
	intent := g.intent()
	pref := g.pick(topics)
	g.setType(topics.vals[pref])

	newsletter := false
	downloaded := false
	webinar := false  // registered
	attended := false // the webinar session has happened
	signedUp := false

	for {
		g.beginSession()

		// The webinar day: registrants come back to attend, and the host
		// invites them to create an account.
		if webinar && !attended && g.session > 0 {
			attended = true
			if g.chance(6500) {
				g.event("attend_webinar")
				g.wait(1800, 3600)
				if !signedUp && g.chance(scale(2000, (intent+200)/3)) {
					signedUp = g.contentSignUp(intent)
				}
			}
		}

		n := articleViews.ints[g.pick(articleViews)]
		if g.source == social {
			n += g.between(2, 3) // social readers binge, then leave
		}
		for k := range n {
			t := g.pickOther(topics, pref, 7000)
			g.setType(topics.vals[t])
			if k == 0 && g.chance(1200) {
				g.event("search")
			}
			g.event("view_article")
			g.wait(20, 180) // reading
			if k+1 < n && g.chance(2500) {
				g.event("page_view")
			}
		}

		if !newsletter && g.chance(scale(420, (intent+100)/2)) {
			g.event("subscribe_newsletter")
			newsletter = true
		}
		if g.chance(scale(650, (intent+100)/2)) {
			g.event("download_material")
			downloaded = true
		}
		if !webinar && g.chance(scale(300, (intent+100)/2)) {
			g.event("register_webinar")
			webinar = true
		}

		if !signedUp {
			p := scale(260, intent)
			if newsletter && g.session > 0 {
				p = scale(p, 220)
			}
			if downloaded {
				p = scale(p, 170)
			}
			if g.chance(p) {
				signedUp = g.contentSignUp(intent)
			}
		}

		ret := scale(2100, intent)
		if newsletter {
			ret += 3000 // the newsletter brings them back
		}
		if webinar && !attended {
			ret += 7000 // the webinar date is in their calendar
		}
		if signedUp {
			ret += 1500
		}
		if !g.nextSession(ret) {
			return
		}
	}
}

// contentSignUp opens the sign-up form; most who open it finish it.
func (g *gen) contentSignUp(intent int) bool {
	g.event("begin_sign_up")
	g.wait(20, 120)
	if g.chance(scale(6800, (intent+300)/4)) {
		g.event("sign_up")
		return true
	}
	return false
}
