package sample

// The online store: people browse product cards, add some to the cart or to
// their wishlist, start checkout and sometimes pay.
//
// Planted structure (see docs/SAMPLES.md for measured numbers):
//   - mobile users add to cart and begin checkout as often as desktop users
//     but abandon checkout (begin_checkout -> purchase) far more often: the
//     mobile payment form is the problem;
//   - users who add to the wishlist come back and buy more often;
//   - email traffic converts best, social worst;
//   - electronics shoppers compare a lot: the lowest view -> cart rate.

var storeCategories = newTable("electronics", 24, "fashion", 28, "home", 20, "beauty", 14, "sports", 14)

// Per-product add-to-cart rate by category, in percent of the base rate.
var storeCartByCategory = [...]int{55, 115, 100, 125, 105}

// Payment success once checkout has begun, in basis points, by device.
var storePayByDevice = [...]int{desktop: 4600, mobile: 1700, tablet: 4000}

// Products viewed in one session.
var storeViews = newTable("1", 30, "2", 24, "3", 18, "4", 12, "5", 7, "6", 4, "8", 3, "12", 2)

func genStore(g *gen) {
	intent := g.intent()
	pref := g.pick(storeCategories)
	g.setType(storeCategories.vals[pref])

	cart := 0      // items in the cart; the cart survives between visits
	wished := -1   // category of the last wishlisted product, -1 if none
	purchases := 0 // paid orders so far
	abandoned := false

	for {
		g.beginSession()
		if g.chance(2200) {
			g.event("search")
		}

		// A returning user with a cart left behind often goes straight to it.
		if g.session > 0 && cart > 0 && g.chance(2500) {
			g.storeCheckout(intent, wished >= 0, &cart, &purchases)
		}

		views := storeViews.ints[g.pick(storeViews)]
		for k := range views {
			c := g.pickOther(storeCategories, pref, 7500)
			revisit := false
			// Wishlisters come back for the saved item first; it is the
			// one they meant to buy, so it goes to the cart far more often.
			if k == 0 && wished >= 0 && g.session > 0 {
				c, revisit = wished, true
			}
			g.setType(storeCategories.vals[c])
			g.event("view_product")
			if g.chance(scale(520, (intent+100)/2)) {
				g.event("add_to_wishlist")
				wished = c
			}
			p := scale(scale(330, intent), storeCartByCategory[c])
			if revisit {
				p = scale(1500, (intent+200)/3)
			}
			if g.chance(p) {
				g.event("add_to_cart")
				cart++
				if g.chance(1500) { // changed their mind about quantity or size
					g.event("add_to_cart")
				}
			}
			if k+1 < views && g.chance(3500) {
				g.event("page_view")
			}
		}

		if cart > 0 && g.chance(scale(3600, (intent+300)/4)) {
			abandoned = !g.storeCheckout(intent, wished >= 0, &cart, &purchases)
		}

		ret := scale(2600, intent)
		if wished >= 0 {
			ret += 1600
		}
		if abandoned || cart > 0 {
			ret += 1500 // the abandoned-cart email
		}
		if purchases > 0 {
			ret += 800
		}
		if !g.nextSession(ret) {
			return
		}
		abandoned = false
	}
}

// storeCheckout runs begin_checkout and the payment attempt (with a retry
// now and then); it reports whether the user paid.
func (g *gen) storeCheckout(intent int, wished bool, cart, purchases *int) bool {
	g.event("begin_checkout")
	g.wait(40, 240) // address and payment details
	pay := scale(storePayByDevice[g.device], (intent+250)*2/7)
	if wished {
		pay = scale(pay, 112)
	}
	for try := 0; try < 2; try++ {
		if g.chance(pay) {
			g.event("purchase")
			*cart = 0
			*purchases++
			return true
		}
		// Some give up outright; others try once more from the start.
		if try == 0 && g.chance(2500) {
			g.event("begin_checkout")
			g.wait(30, 180)
			pay = pay * 2 / 3
			continue
		}
		break
	}
	return false
}
