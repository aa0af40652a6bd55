package samtemplate

// InvokedOnly names the functions that no event calls: a person invokes
// them with the AWS CLI (through a make target), and the value says which.
// Every other function needs an HttpApi or Schedule event, and the events
// replay answers these with a plain JSON result rather than an HTTP one.
var InvokedOnly = map[string]string{
	"BootstrapOperatorFunction": "make bootstrap-operator EMAIL=…",
}
