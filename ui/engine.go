package ui

import "microfunnel/funnel"

// The engine entry points, kept in one place so there is one seam between
// the dashboard and the engine.
var (
	defaultCompute ComputeFunc = funnel.Compute
	parseFilter                = funnel.ParseFilter
	computeDrivers             = funnel.Drivers
	addTrend                   = funnel.AddTrend
	periodsOf                  = funnel.Periods
	addVersus                  = funnel.AddVersus
)
