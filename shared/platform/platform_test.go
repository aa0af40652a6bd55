package platform_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-hq/switchboard/shared/platform"
)

func TestConfigFromEnv(t *testing.T) {
	full := map[string]string{
		"STAGE": "prod", "TABLE_NAME": "t", "ARCHIVE_BUCKET": "b", "SENDER_ADDRESS": "n@x.example",
		"LOG_LEVEL": "debug", "S3_PATH_STYLE": "true", "LOG_RETENTION_DAYS": "30",
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for key, val := range full {
			m[key] = val
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    platform.Config
		wantErr []string
	}{
		{"complete", full, platform.Config{Stage: "prod", TableName: "t", ArchiveBucket: "b", SenderAddress: "n@x.example", LogLevel: slog.LevelDebug, S3PathStyle: true, LogRetentionDays: 30, CallbackDisableAfterDays: 5}, nil},
		{"defaults", with("LOG_LEVEL", ""), platform.Config{Stage: "prod", TableName: "t", ArchiveBucket: "b", SenderAddress: "n@x.example", LogLevel: slog.LevelInfo, S3PathStyle: true, LogRetentionDays: 30, CallbackDisableAfterDays: 5}, nil},
		{"default retention", with("LOG_RETENTION_DAYS", ""), platform.Config{Stage: "prod", TableName: "t", ArchiveBucket: "b", SenderAddress: "n@x.example", LogLevel: slog.LevelDebug, S3PathStyle: true, LogRetentionDays: 90, CallbackDisableAfterDays: 5}, nil},
		{"bad retention", with("LOG_RETENTION_DAYS", "0"), platform.Config{}, []string{`LOG_RETENTION_DAYS "0"`}},
		{"callback endpoints disabled after 2 days", with("CALLBACK_DISABLE_AFTER_DAYS", "2"), platform.Config{Stage: "prod", TableName: "t", ArchiveBucket: "b", SenderAddress: "n@x.example", LogLevel: slog.LevelDebug, S3PathStyle: true, LogRetentionDays: 30, CallbackDisableAfterDays: 2}, nil},
		{"bad disable period", with("CALLBACK_DISABLE_AFTER_DAYS", "0"), platform.Config{}, []string{`CALLBACK_DISABLE_AFTER_DAYS "0"`}},
		{"everything missing", map[string]string{}, platform.Config{}, []string{"ARCHIVE_BUCKET is not set", "STAGE is not set", "TABLE_NAME is not set"}},
		{"bad level", with("LOG_LEVEL", "loud"), platform.Config{}, []string{`LOG_LEVEL "loud"`}},
		{"bad bool", with("S3_PATH_STYLE", "maybe"), platform.Config{}, []string{`S3_PATH_STYLE "maybe"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := platform.ConfigFromEnv(func(k string) string { return tt.env[k] })
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("want an error, got %+v", got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("config (-want +got):\n%s", d)
			}
		})
	}
}
