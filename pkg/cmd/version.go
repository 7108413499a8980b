package cmd

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// version and commit are stamped at build time with
// -ldflags "-X github.com/explain-nodes/kubectl-explain-nodes/pkg/cmd.version=v1.2.3 -X ….commit=abc".
// When they are not, the module version and VCS revision recorded in the
// binary's build info are used, so `go install …@vX` reports vX.
var (
	version = ""
	commit  = ""
)

// BuildInfo is the plugin's version, commit and Go version.
type BuildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Build returns the running binary's BuildInfo.
func Build() BuildInfo {
	b := BuildInfo{Version: version, Commit: commit, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && info.Main.Version != "" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && b.Commit == "" {
				b.Commit = s.Value
			}
		}
	}
	if b.Version == "" {
		b.Version = "(devel)"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	return b
}

func newCmdVersion(streams genericiooptions.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the plugin's version, commit and Go version",
		Example: "  kubectl explain-nodes version",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b := Build()
			_, err := fmt.Fprintf(streams.Out, "kubectl-explain_nodes %s\ncommit: %s\ngo: %s %s\n", b.Version, b.Commit, b.GoVersion, b.Platform)
			return err
		},
	}
}
