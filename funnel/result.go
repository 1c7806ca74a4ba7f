package funnel

// Result is a computed funnel. JSON field names are a contract scripts rely
// on (see docs/SEMANTICS.md and README): steps[].name, users, conversion,
// step_conversion; breakdown.property and breakdown.segments[].value/steps.
type Result struct {
	Name      string       `json:"name,omitempty"`
	Window    Duration     `json:"window"`
	Mode      Mode         `json:"mode"`
	Count     Counting     `json:"count"`
	Users     int          `json:"users"` // users in the dataset after global filters/date range
	Steps     []StepResult `json:"steps"`
	Breakdown *Breakdown   `json:"breakdown,omitempty"`
	// Interval (day, week or month) and Trend, the funnel per period of
	// entry (AddTrend), oldest first.
	Interval string   `json:"interval,omitempty"`
	Trend    []Period `json:"trend,omitempty"`
	// Versus is the same funnel over another entry range (AddVersus).
	Versus *Versus `json:"versus,omitempty"`
	// DroppedNote says why ComputeDropped gave no steps a Dropped (any mode).
	DroppedNote string `json:"dropped_note,omitempty"`
}

// Interval is a 95% Wilson score interval.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// StepResult is one step of a funnel (or of one segment's funnel).
type StepResult struct {
	Name           string   `json:"name"`
	Users          int64    `json:"users"`           // users (or attempts, with Totals) reaching this step
	Conversion     float64  `json:"conversion"`      // Users / step 1 users, 0..1
	StepConversion float64  `json:"step_conversion"` // Users / previous step users, 0..1 (1 for step 1)
	DropOff        int64    `json:"drop_off"`        // previous step users - Users (0 for step 1)
	DropOffShare   float64  `json:"drop_off_share"`  // DropOff / previous step users
	ConversionCI   Interval `json:"conversion_ci"`
	StepCI         Interval `json:"step_conversion_ci"`
	MedianMs       int64    `json:"median_ms"` // time from the previous step, among users reaching this step
	P90Ms          int64    `json:"p90_ms"`
	// TimeHistogram counts the same times in log-spaced bars (steps from 2,
	// not in any mode); the bars sum to Users.
	TimeHistogram []TimeBucket `json:"time_histogram,omitempty"`
	// Dropped is who stopped at this step and what they did next
	// (ComputeDropped; steps before the last, not in any mode).
	Dropped *Dropped `json:"dropped,omitempty"`
}

// Breakdown splits the funnel by one property's value.
type Breakdown struct {
	Property    string    `json:"property"`
	Attribution string    `json:"attribution"`
	Segments    []Segment `json:"segments"`
}

// Segment is one value of the breakdown property ("(other)" folds the values
// beyond the top N, "(none)" holds users without a value).
type Segment struct {
	Value string       `json:"value"`
	Steps []StepResult `json:"steps"`
	// Tests has one entry per step from step 2: does this segment's
	// conversion from the previous step differ from all other users'?
	Tests []Test `json:"tests"`
	// Trend is this segment's funnel per period (AddTrend), without times.
	Trend []Period `json:"trend,omitempty"`
}

// Test is a segment-vs-rest comparison at one step.
type Test struct {
	Step        int     `json:"step"`   // 1-based step index (2..n)
	Method      string  `json:"method"` // "z" (two-proportion) or "fisher" (exact)
	PValue      float64 `json:"p_value"`
	Adjusted    float64 `json:"p_adjusted"` // after Holm correction across segments
	Significant bool    `json:"significant"`
	Diff        float64 `json:"diff"` // segment rate - rest rate
}

// MicroResult is one micro conversion measured against a macro funnel:
// how many users did it, and how often those who did and those who did not
// completed the macro funnel (reached its last step).
type MicroResult struct {
	Name             string  `json:"name"`
	Users            int64   `json:"users"`              // users who did the micro conversion
	Share            float64 `json:"share"`              // Users / all users considered
	MacroRateWith    float64 `json:"macro_rate_with"`    // macro completion rate among them
	MacroRateWithout float64 `json:"macro_rate_without"` // macro completion rate among the rest
	Lift             float64 `json:"lift"`               // MacroRateWith / MacroRateWithout (0 when undefined)
	PValue           float64 `json:"p_value"`            // two-proportion test of with vs without
	// The same 2x2 table as Drivers: odds ratio and its 95% interval, the
	// Benjamini-Hochberg q-value over the funnel's micro conversions.
	OddsRatio   float64  `json:"odds_ratio"`
	OddsRatioCI Interval `json:"odds_ratio_ci"`
	Q           float64  `json:"q"`
	Significant bool     `json:"significant"`
}
