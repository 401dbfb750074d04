package config

// Processors configures external processors (manifests, issue 10).
type Processors struct {
	// Dir holds processor manifests (*.yaml); reloaded when they change.
	// Empty: built-in processors only.
	Dir string `yaml:"dir"`
}

// Flows configures the flows of processors.
type Flows struct {
	// Dir holds flow definitions (*.yaml); reloaded when they change.
	// Empty: no flows.
	Dir string `yaml:"dir"`
}

// Rules configures the rules that pick a flow for an upload.
type Rules struct {
	// File is the ordered rules (YAML, first match wins); reloaded when it
	// changes. Empty: no rules.
	File string `yaml:"file"`
}
