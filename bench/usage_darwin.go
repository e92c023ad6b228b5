package bench

const maxRSSIsBytes = true
