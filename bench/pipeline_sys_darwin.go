package bench

const pipeMaxRSSBytes = true
