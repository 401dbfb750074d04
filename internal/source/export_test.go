package source

// Waiters reports how many callers wait for the fetch of key.
func (f *Fetcher) Waiters(key string) int {
	f.flights.mu.Lock()
	defer f.flights.mu.Unlock()
	if c, ok := f.flights.calls[key]; ok {
		return c.waiters
	}
	return 0
}

// CleanPath exposes cleanPath to the black-box tests.
var CleanPath = cleanPath

// Sniff exposes sniff to the black-box tests.
var Sniff = sniff
