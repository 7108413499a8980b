// Command cni is the kind suite's pod network, in place of kind's kindnetd
// (which is not published as a Go module): a DaemonSet that, on each node,
// writes a CNI configuration (ptp pairs with host-local addresses from the
// node's spec.podCIDR, and portmap) and routes every other node's pod CIDR
// via that node's InternalIP. kind's nodes share one Docker network, so a
// route is all that pods on different nodes need to reach each other.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

const confFile = "/etc/cni/net.d/10-explain-nodes.conflist"

func main() {
	node := os.Getenv("NODE_NAME")
	if node == "" {
		fmt.Fprintln(os.Stderr, "cni: NODE_NAME is not set")
		os.Exit(1)
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cni:", err)
		os.Exit(1)
	}
	// kind passes the API server's address on the nodes' network: the
	// service address needs kube-proxy, which may not run yet.
	if ep := os.Getenv("CONTROL_PLANE_ENDPOINT"); ep != "" {
		cfg.Host = "https://" + ep
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cni:", err)
		os.Exit(1)
	}
	routes := map[string]string{}
	for {
		if err := sync(context.Background(), client, node, routes); err != nil {
			fmt.Fprintln(os.Stderr, "cni:", err)
		}
		time.Sleep(5 * time.Second)
	}
}

// sync writes this node's configuration once its pod CIDR is known, and
// routes the other nodes' pod CIDRs; routes holds what was set, by CIDR.
func sync(ctx context.Context, client kubernetes.Interface, self string, routes map[string]string) error {
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("listing nodes: %w", err)
	}
	for _, n := range nodes.Items {
		if n.Spec.PodCIDR == "" {
			continue
		}
		if n.Name == self {
			if err := writeConf(n.Spec.PodCIDR); err != nil {
				return err
			}
			continue
		}
		via := internalIP(&n)
		if via == "" || routes[n.Spec.PodCIDR] == via {
			continue
		}
		if _, _, err := net.ParseCIDR(n.Spec.PodCIDR); err != nil {
			return fmt.Errorf("node %s: pod CIDR %q: %w", n.Name, n.Spec.PodCIDR, err)
		}
		out, err := exec.CommandContext(ctx, "ip", "route", "replace", n.Spec.PodCIDR, "via", via).CombinedOutput()
		if err != nil {
			return fmt.Errorf("routing %s via %s (node %s): %v: %s", n.Spec.PodCIDR, via, n.Name, err, out)
		}
		fmt.Printf("cni: route %s via %s (node %s)\n", n.Spec.PodCIDR, via, n.Name)
		routes[n.Spec.PodCIDR] = via
	}
	return nil
}

func internalIP(n *corev1.Node) string {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP && net.ParseIP(a.Address).To4() != nil {
			return a.Address
		}
	}
	return ""
}

// writeConf writes the node's CNI configuration, replacing the file at once
// so the kubelet never reads half of it, and only when it changes.
func writeConf(podCIDR string) error {
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       "explain-nodes",
		"plugins": []any{
			map[string]any{
				"type":   "ptp",
				"ipMasq": false,
				"ipam": map[string]any{
					"type":   "host-local",
					"ranges": [][]map[string]string{{{"subnet": podCIDR}}},
					"routes": []map[string]string{{"dst": "0.0.0.0/0"}},
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
		},
	}
	data, err := json.MarshalIndent(conf, "", "  ")
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(confFile); err == nil && string(old) == string(data) {
		return nil
	}
	tmp := filepath.Join(filepath.Dir(confFile), ".explain-nodes.tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("writing the CNI configuration: %w", err)
	}
	if err := os.Rename(tmp, confFile); err != nil {
		return fmt.Errorf("writing the CNI configuration: %w", err)
	}
	fmt.Printf("cni: wrote %s for pod CIDR %s\n", confFile, podCIDR)
	return nil
}
