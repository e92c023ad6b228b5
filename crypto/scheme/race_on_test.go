//go:build race

package scheme

// raceEnabled scales the randomized differential tests down under -race,
// which makes each case ten times slower; the full counts run without it.
const raceEnabled = true
