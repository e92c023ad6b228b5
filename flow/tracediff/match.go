package tracediff

// How a pair of calls was matched, strongest first.
const (
	ByScenario = "scenario" // the same scenario attribute (the i-th call of it on each side)
	ByCallID   = "call_id"  // the same call UUID
	ByTraceID  = "trace_id" // the same trace id
	ByOrder    = "order"    // the i-th of the calls left on each side, in file order
)

// pair is two matched calls, by index into each side's calls.
type pair struct {
	a, b int
	by   string
}

// match pairs a's calls with b's: by scenario first, then by call id, then
// by trace id, then what is left in order. Each call is in at most one
// pair; what is left over is only on its side.
func match(a, b []callInfo) (pairs []pair, onlyA, onlyB []int) {
	usedA, usedB := make([]bool, len(a)), make([]bool, len(b))
	add := func(i, j int, by string) {
		usedA[i], usedB[j] = true, true
		pairs = append(pairs, pair{i, j, by})
	}
	// Scenario: the i-th call of a scenario in A with the i-th in B.
	byScen := map[string][]int{}
	for j, c := range b {
		if c.scenario != "" {
			byScen[c.scenario] = append(byScen[c.scenario], j)
		}
	}
	for i, c := range a {
		if q := byScen[c.scenario]; c.scenario != "" && len(q) > 0 {
			add(i, q[0], ByScenario)
			byScen[c.scenario] = q[1:]
		}
	}
	for _, key := range []struct {
		by string
		id func(callInfo) string
	}{
		{ByCallID, func(c callInfo) string { return c.call.CallID }},
		{ByTraceID, func(c callInfo) string { return c.call.TraceID }},
	} {
		idx := map[string]int{}
		for j, c := range b {
			if id := key.id(c); id != "" && !usedB[j] {
				if _, dup := idx[id]; !dup {
					idx[id] = j
				}
			}
		}
		for i, c := range a {
			if usedA[i] {
				continue
			}
			if j, ok := idx[key.id(c)]; ok && key.id(c) != "" && !usedB[j] {
				add(i, j, key.by)
			}
		}
	}
	j := 0
	for i := range a {
		if usedA[i] {
			continue
		}
		for j < len(b) && usedB[j] {
			j++
		}
		if j == len(b) {
			onlyA = append(onlyA, i)
			continue
		}
		add(i, j, ByOrder)
	}
	for j := range b {
		if !usedB[j] {
			onlyB = append(onlyB, j)
		}
	}
	return pairs, onlyA, onlyB
}
