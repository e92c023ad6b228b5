//go:build !darwin

package bench

const pipeMaxRSSBytes = false
