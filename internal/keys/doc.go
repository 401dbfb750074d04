// Package keys manages tenants, API keys, URL signing keys and the tenants'
// callback signing secrets. Signing keys are held in memory, so verifying a
// delivery URL reads no database; Run keeps them current on every node.
package keys
