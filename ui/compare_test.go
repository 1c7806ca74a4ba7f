package ui

import (
	"errors"

	"microfunnel/funnel"
)

func testComparisons() []Comparison {
	mk := func(name string, users ...int64) *funnel.Result {
		r := &funnel.Result{Name: name, Users: int(users[0])}
		for i, u := range users {
			s := funnel.StepResult{Name: []string{"view_product", "add_to_cart", "begin_checkout", "purchase"}[i], Users: u,
				Conversion: float64(u) / float64(users[0]), StepConversion: 1}
			if i > 0 {
				s.StepConversion = float64(u) / float64(users[i-1])
				s.DropOff = users[i-1] - u
				s.DropOffShare = 1 - s.StepConversion
			}
			r.Steps = append(r.Steps, s)
		}
		return r
	}
	return []Comparison{
		{Business: "Online store", Dataset: "store", Preset: "store", Result: mk("store", 18000, 8100, 4200, 2500), BiggestDrop: 2,
			Micro: []funnel.MicroResult{
				{Name: "add_to_wishlist", Users: 3600, Share: 0.2, MacroRateWith: 0.25, MacroRateWithout: 0.11, Lift: 2.27,
					OddsRatio: 2.7, OddsRatioCI: funnel.Interval{Low: 2.45, High: 2.97}, Q: 1e-9, Significant: true},
				{Name: "begin_checkout", Users: 4200, Share: 0.233, MacroRateWith: 0.59, MacroRateWithout: 0, Lift: 0,
					OddsRatio: 6500, OddsRatioCI: funnel.Interval{Low: 410, High: 103000}, Q: 1e-9, Significant: true},
			}},
		{Business: "Service site", Dataset: "service", Preset: "service", Result: mk("service", 12000, 5000, 1200),
			Micro: []funnel.MicroResult{{Name: "view_case_study", Users: 2400, Share: 0.2, MacroRateWith: 0.21, MacroRateWithout: 0.07, Lift: 3,
				OddsRatio: 3.53, OddsRatioCI: funnel.Interval{Low: 3.0, High: 4.1}, Q: 0.2}}},
		{Business: "Content project", Dataset: "content", Preset: "content", Err: errors.New("dataset content not found: run microfunnel sample --business content")},
	}
}
