// Command cluster creates and deletes the kind suite's cluster through kind's
// Go API (sigs.k8s.io/kind/pkg/cluster), on whatever Docker engine
// DOCKER_HOST names: the project's own (test/kind/engine.sh).
//
//	go run ./cluster create NAME -image IMAGE -kubeconfig PATH -etcd-tag TAG -audit-policy FILE
//	go run ./cluster delete NAME
package main

import (
	"bytes"
	_ "embed"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
	"time"

	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cmd"
)

//go:embed kind.yaml
var configTemplate string

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 || (args[0] != "create" && args[0] != "delete") {
		return fmt.Errorf("usage: cluster create|delete NAME [flags]")
	}
	verb, name := args[0], args[1]
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	image := fs.String("image", "", "the node image")
	kubeconfig := fs.String("kubeconfig", "", "where to write the cluster's kubeconfig")
	etcdTag := fs.String("etcd-tag", "", "the etcd image's tag")
	auditPolicy := fs.String("audit-policy", "", "the API server's audit policy file")
	wait := fs.Duration("wait", 4*time.Minute, "how long to wait for every node to be Ready")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	provider := cluster.NewProvider(cluster.ProviderWithDocker(), cluster.ProviderWithLogger(cmd.NewLogger()))
	if verb == "delete" {
		return provider.Delete(name, "")
	}
	if *image == "" || *kubeconfig == "" || *etcdTag == "" || *auditPolicy == "" {
		return fmt.Errorf("create needs -image, -kubeconfig, -etcd-tag and -audit-policy")
	}
	policy, err := filepath.Abs(*auditPolicy)
	if err != nil {
		return err
	}
	config, err := renderConfig(map[string]string{"EtcdTag": *etcdTag, "AuditPolicy": policy})
	if err != nil {
		return err
	}
	start := time.Now()
	err = provider.Create(name,
		cluster.CreateWithNodeImage(*image),
		cluster.CreateWithRawConfig(config),
		cluster.CreateWithKubeconfigPath(*kubeconfig),
		cluster.CreateWithWaitForReady(*wait),
		cluster.CreateWithDisplayUsage(false),
		cluster.CreateWithDisplaySalutation(false),
	)
	if err != nil {
		return fmt.Errorf("creating cluster %s: %w", name, err)
	}
	fmt.Fprintf(os.Stderr, "cluster %s created in %s\n", name, time.Since(start).Round(time.Second))
	return nil
}

func renderConfig(values map[string]string) ([]byte, error) {
	t, err := template.New("kind.yaml").Parse(configTemplate)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, values); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
