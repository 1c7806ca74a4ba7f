package funnel

import (
	"math"
	"sort"
)

// z975 is the 97.5% quantile of the standard normal: a two-sided 95% interval.
const z975 = 1.959963984540054

// Wilson is the 95% Wilson score interval for k successes in n trials.
// It is [0,0] when n is 0 so that results never hold NaN.
func Wilson(k, n int64) Interval {
	if n <= 0 {
		return Interval{}
	}
	p := float64(k) / float64(n)
	nf := float64(n)
	z2 := z975 * z975
	den := 1 + z2/nf
	mid := (p + z2/(2*nf)) / den
	half := z975 * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	return Interval{Low: math.Max(0, mid-half), High: math.Min(1, mid+half)}
}

// ZTest is the two-sided two-proportion z test (pooled variance) of x1/n1
// against x2/n2. It returns 1 when either group is empty or the pooled rate
// is 0 or 1 (no evidence of a difference).
func ZTest(x1, n1, x2, n2 int64) float64 {
	if n1 <= 0 || n2 <= 0 {
		return 1
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	p := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(p * (1 - p) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 || math.IsNaN(se) {
		return 1
	}
	z := (p1 - p2) / se
	return math.Min(1, math.Erfc(math.Abs(z)/math.Sqrt2))
}

// FisherExact is the two-sided Fisher exact test p-value of the 2x2 table
// [[a b] [c d]]: the probability, with the margins fixed, of every table at
// most as likely as the observed one.
func FisherExact(a, b, c, d int64) float64 {
	if a < 0 || b < 0 || c < 0 || d < 0 {
		return 1
	}
	r1, c1, n := a+b, a+c, a+b+c+d
	if n == 0 {
		return 1
	}
	lo := max(0, r1+c1-n)
	hi := min(r1, c1)
	logp := func(x int64) float64 {
		return lchoose(c1, x) + lchoose(n-c1, r1-x) - lchoose(n, r1)
	}
	pobs := logp(a)
	// Relative tolerance so that tables equal in probability to the observed
	// one, but for rounding, are counted (as R's fisher.test does).
	limit := pobs + 1e-7
	sum := 0.0
	for x := lo; x <= hi; x++ {
		if lp := logp(x); lp <= limit {
			sum += math.Exp(lp)
		}
	}
	return math.Min(1, sum)
}

func lchoose(n, k int64) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// TwoProportion compares x1/n1 with x2/n2: Fisher's exact test when any
// expected cell of the 2x2 table is below 5, else the z test. Method is
// "fisher", "z", or "none" (p = 1) when either group is empty.
func TwoProportion(x1, n1, x2, n2 int64) (p float64, method string) {
	if n1 <= 0 || n2 <= 0 {
		return 1, "none"
	}
	n := float64(n1 + n2)
	succ := float64(x1 + x2)
	fail := n - succ
	for _, e := range []float64{
		float64(n1) * succ / n, float64(n1) * fail / n,
		float64(n2) * succ / n, float64(n2) * fail / n,
	} {
		if e < 5 {
			return FisherExact(x1, n1-x1, x2, n2-x2), "fisher"
		}
	}
	return ZTest(x1, n1, x2, n2), "z"
}

// Holm adjusts p-values for multiple comparisons (Holm-Bonferroni step-down):
// sorted ascending, the i-th (0-based) of m is multiplied by m-i, then made
// non-decreasing and capped at 1. The result is in the input's order.
func Holm(p []float64) []float64 {
	m := len(p)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	out := make([]float64, m)
	run := 0.0
	for r, i := range idx {
		v := math.Min(1, float64(m-r)*p[i])
		run = math.Max(run, v)
		out[i] = run
	}
	return out
}

// OddsRatio is the sample odds ratio ad/bc of the 2x2 table [[a b] [c d]]
// with Woolf's 95% interval exp(log OR ± z·sqrt(1/a+1/b+1/c+1/d)). When any
// cell is zero, every cell gets 0.5 first (the Haldane-Anscombe correction),
// so the ratio and its interval are always finite. An empty row or column
// carries no information: the result is 1 with the interval [0, +large]
// replaced by [1, 1] so that no output holds Inf or NaN.
func OddsRatio(a, b, c, d int64) (or float64, ci Interval) {
	if a < 0 || b < 0 || c < 0 || d < 0 || a+b == 0 || c+d == 0 || a+c == 0 || b+d == 0 {
		return 1, Interval{Low: 1, High: 1}
	}
	fa, fb, fc, fd := float64(a), float64(b), float64(c), float64(d)
	if a == 0 || b == 0 || c == 0 || d == 0 {
		fa, fb, fc, fd = fa+0.5, fb+0.5, fc+0.5, fd+0.5
	}
	l := math.Log(fa) + math.Log(fd) - math.Log(fb) - math.Log(fc)
	se := math.Sqrt(1/fa + 1/fb + 1/fc + 1/fd)
	return math.Exp(l), Interval{Low: math.Exp(l - z975*se), High: math.Exp(l + z975*se)}
}

// ChiSquare is Pearson's chi-square statistic of the 2x2 table [[a b] [c d]]
// without Yates's continuity correction, and its p-value on 1 degree of
// freedom. Small tables go to FisherExact instead (see Association), which is
// why no correction is applied. A table with an empty row or column has
// statistic 0 and p 1.
func ChiSquare(a, b, c, d int64) (x2, p float64) {
	if a < 0 || b < 0 || c < 0 || d < 0 {
		return 0, 1
	}
	r1, r2 := float64(a+b), float64(c+d)
	c1, c2 := float64(a+c), float64(b+d)
	if r1 == 0 || r2 == 0 || c1 == 0 || c2 == 0 {
		return 0, 1
	}
	n := r1 + r2
	diff := float64(a)*float64(d) - float64(b)*float64(c)
	// n·diff² / (r1·r2·c1·c2), in an order that does not overflow.
	x2 = n * (diff / (r1 * r2)) * (diff / (c1 * c2))
	// The chi-square survival function on 1 df: P(Z² > x2) = erfc(sqrt(x2/2)).
	return x2, math.Min(1, math.Erfc(math.Sqrt(x2/2)))
}

// Association tests the 2x2 table [[a b] [c d]]: Fisher's exact test when
// any expected cell is below 5, else Pearson's chi-square. Method is
// "fisher", "chi2", or "none" (p = 1) when a row or column is empty.
func Association(a, b, c, d int64) (p float64, method string) {
	if a < 0 || b < 0 || c < 0 || d < 0 || a+b == 0 || c+d == 0 || a+c == 0 || b+d == 0 {
		return 1, "none"
	}
	n := float64(a + b + c + d)
	r1, r2 := float64(a+b), float64(c+d)
	c1, c2 := float64(a+c), float64(b+d)
	if min(r1, r2)*min(c1, c2)/n < 5 {
		return FisherExact(a, b, c, d), "fisher"
	}
	_, p = ChiSquare(a, b, c, d)
	return p, "chi2"
}

// BenjaminiHochberg turns p-values into q-values (false discovery rate,
// Benjamini and Hochberg 1995): sorted ascending, the i-th (1-based) of m is
// p·m/i, then made non-increasing from the largest down and capped at 1. The
// result is in the input's order; NaN inputs count as 1.
func BenjaminiHochberg(p []float64) []float64 {
	m := len(p)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	val := func(i int) float64 {
		if math.IsNaN(p[i]) {
			return 1
		}
		return p[i]
	}
	sort.SliceStable(idx, func(a, b int) bool { return val(idx[a]) < val(idx[b]) })
	out := make([]float64, m)
	run := 1.0
	for r := m - 1; r >= 0; r-- {
		i := idx[r]
		run = math.Min(run, val(i)*float64(m)/float64(r+1))
		out[i] = math.Max(0, run)
	}
	return out
}
