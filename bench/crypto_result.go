package bench

import (
	"fmt"
	"time"

	"github.com/callscope/callscope/crypto/scheme"
)

// cryptoMeasured is one scheme's run.
type cryptoMeasured struct {
	c         *cryptoCase
	env, bare *cryptoSide
}

// ratio is the baseline's median time per seal+open over the envelope's:
// the rate ratio of a typical operation. On a shared machine a few
// operations are preempted for milliseconds, at random on either side, and
// those few swamp a mean (meanRatio, kept in Extra) while leaving the
// median alone.
func (m cryptoMeasured) ratio() float64 {
	e := m.env.hist.ValueAtQuantile(50)
	if e <= 0 {
		return 0
	}
	return float64(m.bare.hist.ValueAtQuantile(50)) / float64(e)
}

// meanRatio is the ratio of rates over the whole run: the same number of
// operations ran on each side, so it is the ratio of their total times.
func (m cryptoMeasured) meanRatio() float64 {
	if m.bare.rate() <= 0 {
		return 0
	}
	return m.env.rate() / m.bare.rate()
}

// cryptoResult makes the default scheme the headline (its ratio is the
// result's) and lists every scheme in Stages, Extra and Notes; the target
// holds when every scheme's ratio does and the default's p50 is in time.
func cryptoResult(all []cryptoMeasured, workers int) Result {
	head := all[0]
	for _, m := range all {
		if m.c.alg == scheme.Default {
			head = m
		}
	}
	side := func(name, what string, s *cryptoSide) Result {
		l := nsLatency(s.hist)
		r := s.use
		r.Name, r.What, r.Unit = name, what, "seal+open"
		r.Ops, r.Seconds, r.PerSecond, r.Latency = s.ops, s.total.Seconds(), s.rate(), &l
		return r
	}
	r := side("crypto", "seal+open of "+head.c.alg+": envelope, APNs payload JSON, every receiver check", head.env)
	base := side("crypto baseline", head.c.bareWhat+" of the same plaintext bytes", head.bare)
	r.Baseline = &base
	ratio := head.ratio()
	r.Ratio = &ratio
	r.Target = fmt.Sprintf("ratio ≥ %.1f per scheme; %s p50 ≤ %d µs", cryptoMinRatio, scheme.Default, cryptoMaxP50.Microseconds())
	r.PeakRSS = selfPeakRSS()
	met := r.Latency.P50 <= float64(cryptoMaxP50.Microseconds())
	r.Stages = map[string]Latency{}
	r.Extra = map[string]string{}
	for _, m := range all {
		rt := m.ratio()
		met = met && rt >= cryptoMinRatio
		el, bl := nsLatency(m.env.hist), nsLatency(m.bare.hist)
		r.Stages[cryptoRow(m.c.alg)] = el
		r.Stages[cryptoRow(m.c.alg)+" bare"] = bl
		r.Extra["ratio "+m.c.alg] = fmt.Sprintf("%.3f", rt)
		r.Extra["mean ratio "+m.c.alg] = fmt.Sprintf("%.3f", m.meanRatio())
		r.Notes = append(r.Notes, fmt.Sprintf("%s: %.2f× bare (p50 %s vs %s, %s allocs/op vs %s)", m.c.alg, rt,
			Duration(el.P50).Round(time.Microsecond), Duration(bl.P50).Round(time.Microsecond), allocs(m.env.use), allocs(m.bare.use)))
	}
	r.Met = &met
	r.Notes = append(r.Notes,
		"each step runs one envelope seal+open and one bare seal+open in turn (alternating which goes first), so both sides see the same load",
		"ratio is the bare p50 over the envelope's p50 (a typical operation's rate over the baseline's): preemption of a few ms on a shared machine swamps a mean; the ratio of total times is in extra as mean ratio",
		fmt.Sprintf("no replay cache in the receiver; %d worker(s); allocations and CPU per op from %d ops of each side run alone", workers, cryptoUsageOps))
	return r
}

func allocs(r Result) string {
	if r.AllocsPerOp == nil {
		return "?"
	}
	return fmt.Sprintf("%.0f", *r.AllocsPerOp)
}
