package sample

// The service site: visitors land on the blog or the home page, look at the
// services, some read case studies, a few click Contact and fewer still
// submit the request form.
//
// Planted structure (see docs/SAMPLES.md for measured numbers):
//   - case-study readers click Contact and submit requests far more often;
//   - email traffic converts best;
//   - consulting visitors click Contact about twice as often as the rest:
//     people buy advice from people;
//   - many requests come days after the first visit: visitors who clicked
//     Contact but did not send the form often return to finish it.

var services = newTable("web_design", 26, "development", 24, "seo", 20, "marketing", 18, "consulting", 12)

// Contact rate by service in percent of the base rate.
var serviceContact = [...]int{100, 95, 85, 100, 210}

// Service pages viewed in a session that reaches the services.
var serviceViews = newTable("1", 45, "2", 30, "3", 15, "4", 10)

func genService(g *gen) {
	intent := g.intent()
	pref := g.pick(services)
	g.setType(services.vals[pref])

	caseStudy := false // read at least one case study
	clicked := false   // clicked Contact
	requested := false // submitted the form

	for {
		g.beginSession()
		if g.session == 0 && g.chance(4000) {
			g.event("page_view") // a blog post or the about page first
		}

		// Back to finish the request form they left.
		if clicked && !requested && g.chance(3500) {
			s := g.pickOther(services, pref, 9000)
			g.setType(services.vals[s])
			g.event("view_service")
			g.event("click_contact")
			g.wait(60, 300)
			if g.chance(scale(4500, (intent+200)/3)) {
				g.event("submit_request")
				requested = true
			}
		}

		reach := 6200
		if g.session > 0 {
			reach = 8000
		}
		if g.chance(reach) {
			views := serviceViews.ints[g.pick(serviceViews)]
			for range views {
				s := g.pickOther(services, pref, 8500)
				g.setType(services.vals[s])
				g.event("view_service")
				if g.chance(scale(1700, (intent+100)/2)) {
					n := g.between(1, 3)
					for range n {
						g.event("view_case_study")
					}
					caseStudy = true
				}
				if g.chance(2500) {
					g.event("view_pricing")
				}
			}
			s := g.pickOther(services, pref, 8500)
			g.setType(services.vals[s])
			p := scale(scale(330, intent), serviceContact[s])
			if caseStudy {
				p = scale(p, 170)
			}
			if !requested && g.chance(p) {
				g.event("click_contact")
				clicked = true
				g.wait(60, 300) // typing the request
				sub := scale(3600, (intent+200)/3)
				if caseStudy {
					sub = scale(sub, 125)
				}
				if g.chance(sub) {
					g.event("submit_request")
					requested = true
				}
			}
		} else {
			for range g.between(1, 3) {
				g.event("page_view")
			}
		}

		ret := scale(2200, intent)
		if clicked && !requested {
			ret += 4000
		}
		if caseStudy {
			ret += 800
		}
		if !g.nextSession(ret) {
			return
		}
	}
}
