package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/render"
)

// Colour modes of --color.
const (
	colorAuto   = "auto"
	colorAlways = "always"
	colorNever  = "never"
)

// Common is what every command that reads the cluster shares: kubectl's
// connection flags, the output format, colour, and the injected dependencies.
type Common struct {
	ConfigFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams

	Output string
	Color  string
	// From is a dump to read instead of the cluster (--from); "-" reads it
	// from standard input.
	From string
	dump *cluster.Dump

	// Client, Now and Server are filled by Complete when nil or empty, so
	// tests can inject their own.
	Client kubernetes.Interface
	Now    func() time.Time
	// Server is the API server URL and Context the kubeconfig context in use,
	// both for messages.
	Server  string
	Context string
	// Hooks are what tests inject.
	Hooks Hooks
}

// source is where the command reads the cluster: the dump of --from, or
// the API server.
func (o *Common) source() cluster.Source {
	if o.dump != nil {
		return o.dump
	}
	return o.reader()
}

// readError is what a failed read becomes: a dump's own error as it is, a
// live read's as a connection error naming the context and server.
func (o *Common) readError(err error) error {
	if o.dump != nil {
		return err
	}
	return &connError{context: o.Context, server: o.Server, err: err}
}

// podReadError words a failed read of one pod and what is around it: the
// pod missing (with where pods of its name are), refused, or the read failing.
func (o *Common) podReadError(err error, namespace, pod string) error {
	var notFound *cluster.PodNotFoundError
	switch {
	case errors.As(err, &notFound):
		return notFound
	case apierrors.IsForbidden(err):
		return fmt.Errorf("not allowed to read pod %s/%s: %s", namespace, pod, render.Sanitize(apiMessage(err)))
	}
	return o.readError(err)
}

// dumpSource says, for JSON and YAML, that the output comes from a dump.
func (o *Common) dumpSource() *v1alpha1.DumpSource {
	if o.dump == nil {
		return nil
	}
	return &v1alpha1.DumpSource{Path: o.From, AsOf: o.dump.AsOf.UTC()}
}

// namespace resolves the namespace as kubectl does: -n, else the context's;
// reading a dump needs no kubeconfig, and then it is -n or "default".
func (o *Common) namespace() (string, error) {
	ns, _, err := o.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	switch {
	case err != nil && o.From != "" && o.ConfigFlags.Namespace != nil && *o.ConfigFlags.Namespace != "":
		return *o.ConfigFlags.Namespace, nil
	case err != nil && o.From != "":
		return "default", nil
	case err != nil:
		return "", &connError{context: o.Context, server: o.Server, err: err}
	}
	return ns, nil
}

// writeFrom heads text read from a dump with where and when it comes from.
func (o *Common) writeFrom() {
	if d := o.dumpSource(); d != nil {
		fmt.Fprintf(o.Out, "From %s; ages are as of then.\n\n", render.Sanitize(d.Text()))
	}
}

// removeOnExit are the temporary files the run leaves (a dump read from
// standard input); Main removes them.
var removeOnExit []func()

// reader returns a cluster reader through the command's client.
func (o *Common) reader() *cluster.Reader {
	return &cluster.Reader{Client: o.Client, Server: o.Server, PageSize: o.Hooks.PageSize, NoStreaming: o.Hooks.NoStreaming}
}

func (o *Common) addFlags(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVarP(&o.Output, "output", "o", render.FormatText, "Output format: "+strings.Join(render.Formats, "|"))
	cmd.PersistentFlags().StringVar(&o.Color, "color", colorAuto, "Colour the text output: auto (only on a terminal, and not with NO_COLOR or TERM=dumb), always, never")
	cmd.PersistentFlags().StringVar(&o.From, "from", "", "Read the cluster from a dump instead of the API server: a directory of kubectl cluster-info dump --output-directory, that dump in one file (- for standard input), a file of kubectl get -o yaml|json, a troubleshoot or Sonobuoy bundle, or a .tar.gz of any of these")
	o.ConfigFlags.AddFlags(cmd.PersistentFlags())
}

// Validate checks flag values; it does no I/O.
func (o *Common) Validate(cmd *cobra.Command) error {
	if !slices.Contains(render.Formats, o.Output) {
		return flagError(cmd, fmt.Errorf("--output must be one of %s, got %q", strings.Join(render.Formats, ", "), o.Output))
	}
	if !slices.Contains([]string{colorAuto, colorAlways, colorNever}, o.Color) {
		return flagError(cmd, fmt.Errorf("--color must be auto, always or never, got %q", o.Color))
	}
	return nil
}

// Complete resolves the kubeconfig and builds the client, or, with --from,
// opens the dump; then "now" is the dump's time.
func (o *Common) Complete() error {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.From != "" {
		d, remove, err := cluster.OpenDump(o.From, o.In)
		if err != nil {
			return err
		}
		removeOnExit = append(removeOnExit, remove)
		o.dump, o.Server = d, d.Server()
		if o.From == "-" {
			o.Server = "the dump read from standard input"
		}
		live := o.Now
		o.Now = func() time.Time {
			if !d.AsOf.IsZero() {
				return d.AsOf
			}
			return live()
		}
		return nil
	}
	if o.Client != nil {
		return nil
	}
	loader := o.ConfigFlags.ToRawKubeConfigLoader()
	if raw, err := loader.RawConfig(); err == nil {
		o.Context = raw.CurrentContext
	}
	if o.ConfigFlags.Context != nil && *o.ConfigFlags.Context != "" {
		o.Context = *o.ConfigFlags.Context
	}
	cfg, err := o.ConfigFlags.ToRESTConfig()
	if err != nil {
		return &connError{context: o.Context, err: err}
	}
	o.Server = cfg.Host
	if paths := loader.ConfigAccess().GetLoadingPrecedence(); o.Context == "" && !anyFileExists(paths) &&
		(o.ConfigFlags.APIServer == nil || *o.ConfigFlags.APIServer == "") {
		// client-go falls back to localhost:8080 when there is no kubeconfig;
		// say what is really missing instead.
		return &connError{err: &noKubeconfigError{paths: paths}}
	}
	cfg = rest.CopyConfig(cfg)
	cfg.UserAgent = "kubectl-explain_nodes/" + Build().Version
	// Protobuf is several times cheaper to decode than JSON for core types.
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	// A handful of reads, issued together; client-side throttling would only
	// add latency.
	cfg.QPS, cfg.Burst = 100, 200
	if o.Hooks.WrapTransport != nil {
		cfg.Wrap(o.Hooks.WrapTransport)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return &connError{context: o.Context, server: o.Server, err: err}
	}
	o.Client = client
	return nil
}

func anyFileExists(paths []string) bool {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// text returns how text output is laid out: its colour and its width.
func (o *Common) text() render.TextOptions {
	return render.TextOptions{Colour: o.colour(), Width: terminalWidth(o.Out, os.Getenv("COLUMNS"))}
}

// terminalWidth returns the width in columns of the terminal out writes to:
// its size when out is a terminal, else COLUMNS when that holds a positive
// number, else 0 (render's default).
func terminalWidth(out io.Writer, columns string) int {
	if f, ok := out.(interface{ Fd() uintptr }); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(columns)); err == nil && n > 0 {
		return n
	}
	return 0
}

// colour returns the colouriser for text output.
func (o *Common) colour() render.Colour {
	switch o.Color {
	case colorAlways:
		return render.Colour{Enabled: true}
	case colorNever:
		return render.Colour{}
	}
	return render.Colour{Enabled: printers.AllowsColorOutput(o.Out)}
}
