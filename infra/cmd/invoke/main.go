// Command invoke sends one event to a function of the running local stack:
// `make invoke FN=<LogicalId> [EVENT=events/<file>.json] [TIME=…]`.
//
// A scheduled event (EventBridge "Scheduled Event") is sent with its time
// set to now, or to -time: the demo's activity is seeded relative to the
// moment `make run` started, so the fixtures' fixed dates would find no work.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	port := flag.String("port", "3001", "port of the running stack's Lambda Invoke API")
	at := flag.String("time", "", "time of a scheduled event, RFC 3339 (default: now); \"keep\" sends the file's own")
	flag.Parse()
	if flag.NArg() < 1 || flag.NArg() > 2 {
		fmt.Fprintln(os.Stderr, "usage: invoke [-port N] [-time RFC3339|keep] <LogicalId> [event.json]")
		os.Exit(2)
	}
	if err := run(*port, *at, flag.Arg(0), flag.Arg(1), time.Now()); err != nil {
		fmt.Fprintf(os.Stderr, "invoke: %s\n", err)
		os.Exit(1)
	}
}

func run(port, at, fn, eventFile string, now time.Time) error {
	body := []byte("{}")
	if eventFile != "" {
		b, err := os.ReadFile(eventFile)
		if err != nil {
			return fmt.Errorf("reading the event: %w", err)
		}
		body = b
	}
	if at != "keep" {
		when := now.UTC().Truncate(time.Minute)
		if at != "" && at != "now" {
			t, err := time.Parse(time.RFC3339, at)
			if err != nil {
				return fmt.Errorf("TIME %q is not RFC 3339 (2026-11-24T10:05:00Z): %w", at, err)
			}
			when = t.UTC()
		}
		stamped, scheduled, err := stampScheduled(body, when)
		if err != nil {
			return err
		}
		if scheduled {
			fmt.Fprintf(os.Stderr, "· scheduled event at %s (TIME=… or TIME=keep to change)\n", when.Format(time.RFC3339))
			body = stamped
		}
	}
	url := "http://127.0.0.1:" + port + "/2015-03-31/functions/" + fn + "/invocations"
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w; is the stack running (make run)?", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	fmt.Println(string(out))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("the Invoke API answered %s", resp.Status)
	}
	if fe := resp.Header.Get("X-Amz-Function-Error"); fe != "" {
		return fmt.Errorf("the function failed: X-Amz-Function-Error: %s", fe)
	}
	return nil
}

// stampScheduled sets the time of an EventBridge scheduled event to at and
// reports whether body was one; any other event is left alone.
func stampScheduled(body []byte, at time.Time) ([]byte, bool, error) {
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil {
		// Not an object: not a scheduled event; the function judges it.
		return body, false, nil
	}
	if ev["detail-type"] != "Scheduled Event" {
		return body, false, nil
	}
	ev["time"] = at.UTC().Format(time.RFC3339)
	out, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return nil, false, fmt.Errorf("encoding the scheduled event: %w", err)
	}
	return out, true, nil
}
