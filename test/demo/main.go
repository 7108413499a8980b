// Command demo lays out a small, realistic scene on a test cluster for
// `make demo`: a control-plane node, three workers in trouble (one cordoned,
// one tainted for GPUs, one under disk pressure), running pods, and pods that
// stay Pending for different reasons. It is idempotent: an existing scene is
// replaced.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
)

const gpu corev1.ResourceName = "nvidia.com/gpu"

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster to lay the scene on")
	flag.Parse()
	if err := run(*kubeconfig); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(kubeconfig string) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	gpuCapacity := fixture.Resources("8", "64Gi", "110")
	gpuCapacity[gpu] = resource.MustParse("2")
	nodes := []fixture.Node{
		{Name: "control-plane", Roles: []string{"control-plane"}, Taints: []corev1.Taint{fixture.ControlPlaneTaint}, State: fixture.Ready,
			Capacity: fixture.Resources("2", "8Gi", "110")},
		{Name: "worker-1", State: fixture.Ready, Unschedulable: true, Labels: map[string]string{"disktype": "hdd"}},
		{Name: "worker-2", State: fixture.DiskPressure, Labels: map[string]string{"disktype": "hdd"}},
		{Name: "gpu-1", State: fixture.Ready, Capacity: gpuCapacity, Labels: map[string]string{"accelerator": "nvidia"},
			Taints: []corev1.Taint{{Key: "nvidia.com/gpu", Value: "present", Effect: corev1.TaintEffectNoSchedule}}},
	}
	gpuToleration := []corev1.Toleration{{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	var pods []fixture.Pod
	pods = append(pods, fixture.ControlPlanePods("control-plane")...)
	pods = append(pods,
		// Running: placed before the trouble began.
		fixture.Pod{Name: "web-1", Namespace: "shop", NodeName: "worker-1", Labels: map[string]string{"app": "web"}, Requests: fixture.Resources("500m", "512Mi", "")},
		fixture.Pod{Name: "web-2", Namespace: "shop", NodeName: "worker-2", Labels: map[string]string{"app": "web"}, Requests: fixture.Resources("500m", "512Mi", "")},
		fixture.Pod{Name: "api-1", Namespace: "shop", NodeName: "worker-2", Labels: map[string]string{"app": "api"}, Requests: fixture.Resources("1", "1Gi", "")},
		fixture.Pod{Name: "trainer-1", Namespace: "ml", NodeName: "gpu-1", Tolerations: gpuToleration, Requests: withGPU(fixture.Resources("2", "8Gi", ""), "1")},
		// Pending: every worker is cordoned, tainted or under pressure.
		fixture.Pod{Name: "web-3", Namespace: "shop", Labels: map[string]string{"app": "web"}, Requests: fixture.Resources("500m", "512Mi", "")},
		// Pending: asks for more GPUs than the GPU node has free.
		fixture.Pod{Name: "trainer-2", Namespace: "ml", Tolerations: gpuToleration, Requests: withGPU(fixture.Resources("2", "8Gi", ""), "2")},
		// Pending: tolerates every taint, but no node has an SSD.
		fixture.Pod{Name: "cache-0", Namespace: "shop", NodeSelector: map[string]string{"disktype": "ssd"}, Requests: fixture.Resources("250m", "1Gi", ""),
			Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}},
	)

	for _, n := range nodes {
		if err := fixture.DeleteNode(ctx, c, n.Name); err != nil {
			return err
		}
	}
	// Placed by the scheduler once the rest is in place: a monitoring agent
	// that tolerates every taint, so every node passes the filters and the
	// scores decide.
	collector := fixture.Pod{Name: "collector-1", Namespace: "monitoring", Labels: map[string]string{"app": "collector"},
		Requests: fixture.Resources("200m", "256Mi", ""), Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}}
	for _, ns := range []string{"shop", "ml", "monitoring"} {
		if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	for _, p := range append(pods, collector) {
		err := c.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			_, err := c.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		}); err != nil {
			return fmt.Errorf("waiting for the old pod %s/%s to go: %w", p.Namespace, p.Name, err)
		}
	}
	for _, n := range nodes {
		if _, err := fixture.CreateNode(ctx, c, n); err != nil {
			return err
		}
	}
	// Let the node controller taint the node under disk pressure before the
	// scheduler sees the pending pods.
	if err := waitForTaint(ctx, c, "worker-2", corev1.TaintNodeDiskPressure); err != nil {
		return err
	}
	for _, p := range pods {
		if _, err := fixture.CreatePod(ctx, c, p); err != nil {
			return err
		}
	}
	for _, p := range pods {
		cond := fixture.Running
		if p.NodeName == "" {
			cond = fixture.Unschedulable
		}
		if _, err := fixture.WaitForPod(ctx, c, p.Namespace, p.Name, cond); err != nil {
			return err
		}
	}
	if _, err := fixture.CreatePod(ctx, c, collector); err != nil {
		return err
	}
	_, err = fixture.WaitForPod(ctx, c, collector.Namespace, collector.Name, fixture.Running)
	return err
}

func withGPU(l corev1.ResourceList, n string) corev1.ResourceList {
	l[gpu] = resource.MustParse(n)
	return l
}

func waitForTaint(ctx context.Context, c kubernetes.Interface, node, key string) error {
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		n, err := c.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, t := range n.Spec.Taints {
			if t.Key == key {
				return true, nil
			}
		}
		return false, nil
	})
}
