//go:build !darwin

package bench

const maxRSSIsBytes = false
