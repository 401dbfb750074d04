package webhook

// CheckAddr exposes the address classifier to the black-box tests.
var CheckAddr = checkAddr
