package api_test

import (
	"os"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
