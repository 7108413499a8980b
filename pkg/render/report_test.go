package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/internal/plugintest"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// Realistic snapshots for the report's golden files.

// machine describes a node as a kubelet would register it.
type machine struct {
	name       string
	labels     map[string]string
	providerID string
	age        time.Duration
	cpu        string // allocatable CPU; capacity is a little more
	memory     string // allocatable memory; capacity is a little more
	pods       string
	kubelet    string
	runtime    string
	osImage    string
	ip         string
}

// node is the machine's fixture node: its capacity is its allocatable and
// the 512Mi the kubelet reserves, and it was last heard from 40 seconds ago.
func (m machine) node(mods ...func(*corev1.Node)) corev1.Node {
	allocatable := fixture.Resources(m.cpu, m.memory, m.pods)
	capacity := allocatable.DeepCopy()
	memory := capacity[corev1.ResourceMemory]
	memory.Add(resource.MustParse("512Mi"))
	capacity[corev1.ResourceMemory] = memory
	n := fixture.Node{
		Name: m.name, Labels: m.labels, ProviderID: m.providerID, InternalIP: m.ip,
		Capacity: capacity, Allocatable: allocatable,
		KubeletVersion: m.kubelet, RuntimeVersion: m.runtime, OSImage: m.osImage, KernelVersion: "6.8.0-1021-generic",
		Created: now.Add(-m.age), Heard: now.Add(-40 * time.Second),
	}.Object()
	for _, mod := range mods {
		mod(n)
	}
	return *n
}

func condition(n *corev1.Node, typ corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == typ {
			return &n.Status.Conditions[i]
		}
	}
	panic("no condition " + typ)
}

func taint(key, value string, effect corev1.TaintEffect) corev1.Taint {
	return corev1.Taint{Key: key, Value: value, Effect: effect}
}

func nodeLease(node string, renewed time.Time) coordinationv1.Lease {
	return leaderLease(node, renewed, 40)
}

func leaderLease(holder string, renewed time.Time, seconds int32) coordinationv1.Lease {
	rt := metav1.NewMicroTime(renewed)
	return coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, RenewTime: &rt, LeaseDurationSeconds: &seconds}}
}

func daemonSet(name string) appsv1.DaemonSet {
	ds := appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "kube-system"}}
	ds.Spec.Template.Labels = map[string]string{"k8s-app": name}
	return ds
}

var (
	tolerateControlPlane = corev1.Toleration{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}
	tolerateEverything   = corev1.Toleration{Operator: corev1.TolerationOpExists}
)

func staticPod(component, node string, cpu int64) cluster.Pod {
	return cluster.Pod{Namespace: "kube-system", Name: component + "-" + node, Phase: corev1.PodRunning, Ready: true, Restarts: 2,
		CPUMilli: cpu, MemoryBytes: 128 << 20, OwnerKind: "Node", Mirror: true, Component: component, Tolerations: []corev1.Toleration{tolerateEverything}}
}

func daemonPod(app, node string, cpu, mem int64) cluster.Pod {
	return cluster.Pod{Namespace: "kube-system", Name: app + "-" + suffix(node), Phase: corev1.PodRunning, Ready: true,
		CPUMilli: cpu, MemoryBytes: mem, MemoryLimitBytes: mem, NoCPULimit: true,
		OwnerKind: "DaemonSet", Component: app, Tolerations: []corev1.Toleration{tolerateEverything}}
}

// defaultTolerations are the tolerations the DefaultTolerationSeconds
// admission plugin gives a pod: five minutes on a not-ready or unreachable node.
func defaultTolerations() []corev1.Toleration {
	seconds := int64(300)
	return []corev1.Toleration{
		{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &seconds},
		{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &seconds},
	}
}

// deleting marks a pod as being deleted since ago, with a grace period of
// grace seconds and the finalizers given.
func deleting(p cluster.Pod, ago time.Duration, grace int64, finalizers ...string) cluster.Pod {
	p.Deletion = &cluster.Deletion{Deadline: now.Add(-ago + time.Duration(grace)*time.Second), GracePeriodSeconds: &grace, Finalizers: finalizers}
	return p
}

// workloadPod is a Deployment's pod whose limits are twice its requests.
func workloadPod(ns, name string, cpu, mem int64, tol ...corev1.Toleration) cluster.Pod {
	return cluster.Pod{Namespace: ns, Name: name, Phase: corev1.PodRunning, Ready: true,
		CPUMilli: cpu, MemoryBytes: mem, CPULimitMilli: 2 * cpu, MemoryLimitBytes: 2 * mem, OwnerKind: "ReplicaSet", Tolerations: tol}
}

// suffix makes a stable five-letter pod-name suffix from a node name.
func suffix(node string) string {
	const letters = "bcdfghjklmnpqrstvwxz2456789"
	h := uint32(2166136261)
	for _, c := range []byte(node) {
		h = (h ^ uint32(c)) * 16777619
	}
	var b [5]byte
	for i := range b {
		b[i] = letters[h%uint32(len(letters))]
		h /= uint32(len(letters))
	}
	return string(b[:])
}

func allOK(names ...string) []v1alpha1.HealthCheck {
	var body strings.Builder
	for _, n := range names {
		fmt.Fprintf(&body, "[+]%s ok\n", n)
	}
	body.WriteString("readyz check passed\n")
	return cluster.ParseHealthChecks(body.String())
}

var readyzChecks = []string{"ping", "log", "etcd", "etcd-readiness", "informer-sync", "poststarthook/start-apiserver-admission-initializer",
	"poststarthook/generic-apiserver-start-informers", "poststarthook/rbac/bootstrap-roles", "shutdown"}

const gi = int64(1) << 30
const mi = int64(1) << 20

func kubeadmMachine(name string) machine {
	return machine{name: name, age: 92 * 24 * time.Hour, cpu: "8", memory: "31Gi", pods: "110",
		kubelet: "v1.37.2", runtime: "containerd://2.1.4", osImage: "Ubuntu 24.04.3 LTS"}
}

// kubeadmSnapshot is a healthy kubeadm cluster: one control-plane node and
// six alike workers.
func kubeadmSnapshot() *cluster.Snapshot {
	s := &cluster.Snapshot{
		Server:        "https://192.168.10.10:6443",
		ServerVersion: "v1.37.2",
		Pods:          map[string][]cluster.Pod{},
		PodsRead:      true,
		NodeLeases:    map[string]coordinationv1.Lease{},
		LeaderLeases: map[string]coordinationv1.Lease{
			"kube-scheduler":          leaderLease("cp-1_5b0e8f3a-2c4d-4e6f-8a1b-3c5d7e9f0a2b", now.Add(-2*time.Second), 15),
			"kube-controller-manager": leaderLease("cp-1_9d8c7b6a-5e4f-4a3b-9c2d-1e0f9a8b7c6d", now.Add(-1*time.Second), 15),
		},
		SystemDaemonSets: []appsv1.DaemonSet{daemonSet("kube-proxy"), daemonSet("calico-node")},
		Readyz:           allOK(readyzChecks...),
		Livez:            allOK("ping", "log", "etcd", "poststarthook/rbac/bootstrap-roles"),
	}
	cpm := machine{name: "cp-1", age: 400 * 24 * time.Hour, cpu: "4", memory: "7680Mi", pods: "110",
		kubelet: "v1.37.2", runtime: "containerd://2.1.4", osImage: "Ubuntu 24.04.3 LTS", ip: "192.168.10.10",
		labels: map[string]string{"node-role.kubernetes.io/control-plane": ""}}
	s.Nodes = append(s.Nodes, cpm.node(func(n *corev1.Node) {
		n.Spec.Taints = []corev1.Taint{taint("node-role.kubernetes.io/control-plane", "", corev1.TaintEffectNoSchedule)}
	}))
	s.Pods["cp-1"] = []cluster.Pod{
		staticPod("etcd", "cp-1", 100), staticPod("kube-apiserver", "cp-1", 250), staticPod("kube-controller-manager", "cp-1", 200),
		staticPod("kube-scheduler", "cp-1", 100),
		daemonPod("kube-proxy", "cp-1", 0, 0), daemonPod("calico-node", "cp-1", 250, 0),
		workloadPod("kube-system", "coredns-7c65d6cfc9-4xkq2", 100, 70*mi, tolerateControlPlane),
		workloadPod("kube-system", "coredns-7c65d6cfc9-m8zrt", 100, 70*mi, tolerateControlPlane),
	}
	s.NodeLeases["cp-1"] = nodeLease("cp-1", now.Add(-4*time.Second))
	for i := 1; i <= 6; i++ {
		m := kubeadmMachine(fmt.Sprintf("worker-%d", i))
		m.ip = fmt.Sprintf("192.168.10.%d", 20+i)
		s.Nodes = append(s.Nodes, m.node())
		pods := []cluster.Pod{daemonPod("kube-proxy", m.name, 0, 0), daemonPod("calico-node", m.name, 250, 0)}
		for j := range 3 + i {
			pods = append(pods, workloadPod("shop", fmt.Sprintf("web-6d8f9c7b5-%s%d", suffix(m.name)[:3], j), 500, 512*mi))
		}
		s.Pods[m.name] = pods
		s.NodeLeases[m.name] = nodeLease(m.name, now.Add(-time.Duration(i)*time.Second))
	}
	return s
}

func eksMachine(name, zone, instance string) machine {
	return machine{name: name, providerID: "aws:///" + zone + "/" + instance, age: 11 * 24 * time.Hour,
		cpu: "3920m", memory: "14481Mi", pods: "58", kubelet: "v1.37.1-eks-5e0fdde", runtime: "containerd://1.7.27",
		osImage: "Amazon Linux 2023.8.20250808", ip: strings.TrimPrefix(strings.ReplaceAll(strings.Split(name, ".")[0], "-", "."), "ip."),
		labels: map[string]string{"eks.amazonaws.com/nodegroup": "general", "topology.kubernetes.io/zone": zone,
			"node.kubernetes.io/instance-type": "m6i.xlarge"}}
}

// eksSnapshot is a healthy EKS cluster: four alike general nodes and a GPU node.
func eksSnapshot() *cluster.Snapshot {
	s := &cluster.Snapshot{
		Server:        "https://5E1D2C3B4A69788F1A2B3C4D5E6F7A8B.gr7.eu-west-1.eks.amazonaws.com",
		ServerVersion: "v1.37.2-eks-3c1d8a9",
		Pods:          map[string][]cluster.Pod{},
		PodsRead:      true,
		NodeLeases:    map[string]coordinationv1.Lease{},
		LeaderLeases: map[string]coordinationv1.Lease{
			"kube-scheduler":           leaderLease("ip-172-16-54-11.eu-west-1.compute.internal_4f1c", now.Add(-3*time.Second), 15),
			"kube-controller-manager":  leaderLease("ip-172-16-54-11.eu-west-1.compute.internal_8e2d", now.Add(-2*time.Second), 15),
			"cloud-controller-manager": leaderLease("ip-172-16-87-40.eu-west-1.compute.internal_1a3b", now.Add(-5*time.Second), 15),
		},
		SystemDaemonSets: []appsv1.DaemonSet{daemonSet("aws-node"), daemonSet("kube-proxy"), daemonSet("ebs-csi-node")},
		Readyz:           allOK(readyzChecks...),
	}
	general := []machine{
		eksMachine("ip-10-0-101-23.eu-west-1.compute.internal", "eu-west-1a", "i-0a1b2c3d4e5f60101"),
		eksMachine("ip-10-0-117-208.eu-west-1.compute.internal", "eu-west-1a", "i-0a1b2c3d4e5f60102"),
		eksMachine("ip-10-0-142-7.eu-west-1.compute.internal", "eu-west-1b", "i-0a1b2c3d4e5f60103"),
		eksMachine("ip-10-0-160-95.eu-west-1.compute.internal", "eu-west-1b", "i-0a1b2c3d4e5f60104"),
	}
	gpu := eksMachine("ip-10-0-188-61.eu-west-1.compute.internal", "eu-west-1c", "i-0a1b2c3d4e5f60105")
	gpu.labels["eks.amazonaws.com/nodegroup"] = "gpu"
	gpu.labels["node.kubernetes.io/instance-type"] = "g5.xlarge"
	gpu.pods = "58"
	for i, m := range append(general, gpu) {
		var n corev1.Node
		pods := []cluster.Pod{daemonPod("aws-node", m.name, 25, 0), daemonPod("kube-proxy", m.name, 100, 0),
			daemonPod("ebs-csi-node", m.name, 30, 120*mi)}
		if m.name == gpu.name {
			n = m.node(func(n *corev1.Node) {
				n.Spec.Taints = []corev1.Taint{taint("nvidia.com/gpu", "true", corev1.TaintEffectNoSchedule)}
			})
			pods = append(pods, workloadPod("ml", "trainer-0", 3000, 12*gi, corev1.Toleration{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}))
		} else {
			n = m.node()
			for j := range 4 + i {
				pods = append(pods, workloadPod("checkout", fmt.Sprintf("api-5f7d8b9c6-%s%d", suffix(m.name)[:3], j), 250, 384*mi))
			}
		}
		s.Nodes = append(s.Nodes, n)
		s.Pods[m.name] = pods
		s.NodeLeases[m.name] = nodeLease(m.name, now.Add(-time.Duration(3+i)*time.Second))
	}
	return s
}

// troubleSnapshot is a kubeadm cluster where much is wrong.
func troubleSnapshot() *cluster.Snapshot {
	s := &cluster.Snapshot{
		Server:        "https://10.20.0.5:6443",
		ServerVersion: "v1.37.2",
		Pods:          map[string][]cluster.Pod{},
		PodsRead:      true,
		Unscheduled:   3,
		NodeLeases:    map[string]coordinationv1.Lease{},
		LeaderLeases: map[string]coordinationv1.Lease{
			"kube-scheduler":          leaderLease("cp-1_5b0e8f3a-2c4d-4e6f-8a1b-3c5d7e9f0a2b", now.Add(-42*time.Minute), 15),
			"kube-controller-manager": leaderLease("cp-1_9d8c7b6a-5e4f-4a3b-9c2d-1e0f9a8b7c6d", now.Add(-1*time.Second), 15),
		},
		SystemDaemonSets: []appsv1.DaemonSet{daemonSet("kube-proxy"), daemonSet("calico-node")},
		Readyz:           allOK(readyzChecks...),
		Gaps: []v1alpha1.Gap{{What: "events about nodes", Resource: "events", Reason: "Forbidden",
			Message: `events is forbidden: User "oidc:jane@example.com" cannot list resource "events" in API group "" at the cluster scope`}},
	}
	cpm := machine{name: "cp-1", age: 400 * 24 * time.Hour, cpu: "4", memory: "7680Mi", pods: "110",
		kubelet: "v1.37.2", runtime: "containerd://2.1.4", osImage: "Ubuntu 24.04.3 LTS", ip: "10.20.0.5",
		labels: map[string]string{"node-role.kubernetes.io/control-plane": ""}}
	s.Nodes = append(s.Nodes, cpm.node(func(n *corev1.Node) {
		n.Spec.Taints = []corev1.Taint{taint("node-role.kubernetes.io/control-plane", "", corev1.TaintEffectNoSchedule)}
	}))
	scheduler := staticPod("kube-scheduler", "cp-1", 100)
	scheduler.Ready, scheduler.Waiting, scheduler.Restarts = false, "CrashLoopBackOff", 14
	s.Pods["cp-1"] = []cluster.Pod{
		staticPod("etcd", "cp-1", 100), staticPod("kube-apiserver", "cp-1", 250), staticPod("kube-controller-manager", "cp-1", 200),
		scheduler, daemonPod("kube-proxy", "cp-1", 0, 0), daemonPod("calico-node", "cp-1", 250, 0),
	}
	s.NodeLeases["cp-1"] = nodeLease("cp-1", now.Add(-3*time.Second))

	worker := func(i int) machine {
		m := kubeadmMachine(fmt.Sprintf("worker-%d", i))
		m.ip = fmt.Sprintf("10.20.0.%d", 10+i)
		return m
	}
	notReady := worker(1).node(func(n *corev1.Node) {
		c := condition(n, corev1.NodeReady)
		c.Status, c.Reason = corev1.ConditionFalse, "KubeletNotReady"
		c.Message = "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"
		c.LastTransitionTime = metav1.NewTime(now.Add(-26 * time.Minute))
		n.Spec.Taints = []corev1.Taint{taint(corev1.TaintNodeNotReady, "", corev1.TaintEffectNoSchedule), taint(corev1.TaintNodeNotReady, "", corev1.TaintEffectNoExecute)}
		n.Spec.Taints[1].TimeAdded = &metav1.Time{Time: now.Add(-26 * time.Minute)}
	})
	unknown := worker(2).node(func(n *corev1.Node) {
		for i := range n.Status.Conditions {
			c := &n.Status.Conditions[i]
			c.Status, c.Reason, c.Message = corev1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status."
			c.LastTransitionTime = metav1.NewTime(now.Add(-16 * time.Minute))
			c.LastHeartbeatTime = metav1.NewTime(now.Add(-17 * time.Minute))
		}
		n.Spec.Taints = []corev1.Taint{taint(corev1.TaintNodeUnreachable, "", corev1.TaintEffectNoSchedule), taint(corev1.TaintNodeUnreachable, "", corev1.TaintEffectNoExecute)}
		n.Spec.Taints[1].TimeAdded = &metav1.Time{Time: now.Add(-16 * time.Minute)}
	})
	cordoned := worker(3).node(func(n *corev1.Node) {
		n.Spec.Unschedulable = true
		n.Spec.Taints = []corev1.Taint{taint(corev1.TaintNodeUnschedulable, "", corev1.TaintEffectNoSchedule)}
	})
	disk := worker(4).node(func(n *corev1.Node) {
		c := condition(n, corev1.NodeDiskPressure)
		c.Status, c.Reason, c.Message = corev1.ConditionTrue, "KubeletHasDiskPressure", "kubelet has disk pressure"
		c.LastTransitionTime = metav1.NewTime(now.Add(-8 * time.Minute))
		n.Spec.Taints = []corev1.Taint{taint(corev1.TaintNodeDiskPressure, "", corev1.TaintEffectNoSchedule)}
	})
	tainted := worker(5).node(func(n *corev1.Node) {
		n.Spec.Taints = []corev1.Taint{taint("example.com/maintenance", "kernel-upgrade", corev1.TaintEffectNoExecute)}
	})
	small := worker(6)
	small.cpu, small.memory = "2", "7680Mi"
	overcommitted := small.node()
	gpu := worker(7).node(func(n *corev1.Node) {
		n.Spec.Taints = []corev1.Taint{taint("nvidia.com/gpu", "present", corev1.TaintEffectNoSchedule), taint("dedicated", "ml", corev1.TaintEffectNoSchedule),
			taint("node.cilium.io/agent-not-ready", "", corev1.TaintEffectNoSchedule), taint("example.com/team", "ml", corev1.TaintEffectPreferNoSchedule)}
	})
	// worker-8's kubelet went silent 25 s ago; the node is still Ready.
	silent := worker(8).node(func(n *corev1.Node) {
		condition(n, corev1.NodeReady).LastHeartbeatTime = metav1.NewTime(now.Add(-65 * time.Second))
	})
	s.Nodes = append(s.Nodes, notReady, unknown, cordoned, disk, tainted, overcommitted, gpu, silent)

	for i := 1; i <= 8; i++ {
		name := fmt.Sprintf("worker-%d", i)
		pods := []cluster.Pod{daemonPod("kube-proxy", name, 0, 0), daemonPod("calico-node", name, 250, 0)}
		n := 4
		switch i {
		case 1, 7:
			n = 0 // worker-1's were evicted; worker-7 runs GPU work only
		case 6:
			n = 7
		}
		for j := range n {
			pods = append(pods, workloadPod("shop", fmt.Sprintf("web-6d8f9c7b5-%s%d", suffix(name)[:3], j), 350, 512*mi, defaultTolerations()...))
		}
		s.Pods[name] = pods
	}
	// worker-2 went silent 17m ago: its pods were evicted 300 s after the
	// unreachable taint and stay Terminating; a StatefulSet pod tolerates the
	// taint for an hour; a bare pod was evicted too.
	for i := 2; i < len(s.Pods["worker-2"]); i++ {
		s.Pods["worker-2"][i] = deleting(s.Pods["worker-2"][i], 11*time.Minute, 30)
	}
	hour := int64(3600)
	pg := workloadPod("db", "pg-0", 500, 2*gi, corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &hour})
	pg.OwnerKind = "StatefulSet"
	debug := deleting(workloadPod("ops", "debug-shell", 0, 0, defaultTolerations()...), 11*time.Minute, 30)
	debug.OwnerKind = ""
	s.Pods["worker-2"] = append(s.Pods["worker-2"], pg, debug)
	// worker-3 is being drained: two pods wait for a finalizer.
	for i := 2; i < 4; i++ {
		s.Pods["worker-3"][i] = deleting(s.Pods["worker-3"][i], 12*time.Minute, 30, "example.com/drain-hook")
	}
	trainer := workloadPod("ml", "trainer-0", 3000, 12*gi, corev1.Toleration{Operator: corev1.TolerationOpExists})
	trainer.Ready, trainer.Waiting, trainer.Restarts = false, "CrashLoopBackOff", 17
	trainer.CrashLoops = []cluster.ContainerRestarts{{Name: "trainer", Restarts: 17}}
	s.Pods["worker-7"] = append(s.Pods["worker-7"], trainer)
	bare := workloadPod("ops", "debug", 0, 0, defaultTolerations()...)
	bare.OwnerKind = ""
	s.Pods["worker-8"] = append(s.Pods["worker-8"], bare)
	s.Pods["worker-5"] = append(s.Pods["worker-5"], workloadPod("ops", "kernel-upgrader-0", 100, 64*mi,
		corev1.Toleration{Key: "example.com/maintenance", Operator: corev1.TolerationOpExists}))
	s.NodeLeases["worker-1"] = nodeLease("worker-1", now.Add(-6*time.Second))
	s.NodeLeases["worker-2"] = nodeLease("worker-2", now.Add(-17*time.Minute-12*time.Second))
	for i := 3; i <= 7; i++ {
		name := fmt.Sprintf("worker-%d", i)
		s.NodeLeases[name] = nodeLease(name, now.Add(-time.Duration(i)*time.Second))
	}
	s.NodeLeases["worker-8"] = nodeLease("worker-8", now.Add(-25*time.Second))
	return s
}

// detailSnapshot is one node, as `kubectl explain-nodes worker-3` narrows
// the snapshot: under disk pressure, with static, DaemonSet and workload pods.
func detailSnapshot() *cluster.Snapshot {
	m := kubeadmMachine("worker-3")
	m.ip = "192.168.10.23"
	n := m.node(func(n *corev1.Node) {
		c := condition(n, corev1.NodeDiskPressure)
		c.Status, c.Reason, c.Message = corev1.ConditionTrue, "KubeletHasDiskPressure", "kubelet has disk pressure"
		c.LastTransitionTime = metav1.NewTime(now.Add(-8 * time.Minute))
		n.Spec.Taints = []corev1.Taint{taint(corev1.TaintNodeDiskPressure, "", corev1.TaintEffectNoSchedule), taint("dedicated", "shop", corev1.TaintEffectNoSchedule)}
	})
	haproxy := staticPod("haproxy", "worker-3", 25)
	haproxy.Component = ""
	crashing := workloadPod("shop", "cart-84b6f5d9c-7hxwq", 200, 256*mi)
	crashing.Ready, crashing.Restarts, crashing.Waiting = false, 17, "CrashLoopBackOff"
	crashing.CrashLoops = []cluster.ContainerRestarts{{Name: "cart", Restarts: 17}}
	leaving := deleting(workloadPod("shop", "web-6d8f9c7b5-x8v4n", 500, 512*mi), 20*time.Second, 30)
	pods := []cluster.Pod{
		workloadPod("shop", "web-6d8f9c7b5-2kz9q", 500, 512*mi),
		crashing,
		daemonPod("kube-proxy", "worker-3", 0, 0),
		haproxy,
		daemonPod("calico-node", "worker-3", 250, 0),
		workloadPod("monitoring", "prometheus-node-exporter-x7d2k", 100, 32*mi),
		leaving,
	}
	pods[len(pods)-2].OwnerKind = "DaemonSet"
	return &cluster.Snapshot{
		Server:           "https://192.168.10.10:6443",
		ServerVersion:    "v1.37.2",
		Nodes:            []corev1.Node{n},
		Pods:             map[string][]cluster.Pod{"worker-3": pods},
		PodsRead:         true,
		Unscheduled:      2,
		NodeLeases:       map[string]coordinationv1.Lease{"worker-3": nodeLease("worker-3", now.Add(-5*time.Second))},
		LeaderLeases:     map[string]coordinationv1.Lease{},
		SystemDaemonSets: []appsv1.DaemonSet{daemonSet("kube-proxy"), daemonSet("calico-node")},
		NodeEvents: []corev1.Event{{
			InvolvedObject: corev1.ObjectReference{Kind: "Node", Name: "worker-3"},
			Type:           corev1.EventTypeWarning, Reason: "EvictionThresholdMet",
			Message: "Attempting to reclaim ephemeral-storage",
			Count:   3, LastTimestamp: metav1.NewTime(now.Add(-6 * time.Minute)),
		}},
		Readyz: allOK(readyzChecks...),
	}
}

func TestReportGolden(t *testing.T) {
	tests := []struct {
		name   string
		snap   func() *cluster.Snapshot
		detail bool
		// explain asks for the components' explanations (--explain);
		// wide for every node and more columns (-o wide).
		explain, wide bool
		// checkTable asserts that the NODES table fits in DefaultWidth columns.
		checkTable bool
		check      func(t *testing.T, r *explain.Report, text string)
	}{
		{
			name: "kubeadm", snap: kubeadmSnapshot, checkTable: true,
			check: func(t *testing.T, r *explain.Report, text string) {
				if r.ControlPlane.Mode != explain.ModeSelfHosted || r.ControlPlane.Distribution != "kubeadm" {
					t.Errorf("control plane %s (%s)", r.ControlPlane.Mode, r.ControlPlane.Distribution)
				}
				rows := tableLines(t, text)
				// The note may be shortened to fit, but must say how many
				// nodes the row stands for. worker-6's CPU limits pass its
				// allocatable: it is worth a row of its own, first.
				if len(rows) != 4 || !strings.HasPrefix(rows[1], "worker-6 ") || !strings.HasPrefix(rows[3], "worker-1 +4 ") || !strings.HasSuffix(rows[3], "  totals of 5") {
					t.Errorf("want the header, worker-6, cp-1 and one row for the five other workers, got:\n%s", strings.Join(rows, "\n"))
				}
				for _, comp := range r.ControlPlane.Components {
					if comp.State != explain.StateHealthy {
						t.Errorf("%s is %s", comp.Name, comp.State)
					}
				}
			},
		},
		{
			name: "managed-eks", snap: eksSnapshot,
			check: func(t *testing.T, r *explain.Report, text string) {
				if r.ControlPlane.Mode != explain.ModeManaged || r.ControlPlane.Distribution != "EKS" {
					t.Errorf("control plane %s (%s)", r.ControlPlane.Mode, r.ControlPlane.Distribution)
				}
				if !strings.Contains(text, "CONTROL PLANE: managed (EKS)") {
					t.Error("the control plane heading does not say managed (EKS)")
				}
			},
		},
		{
			name: "trouble", snap: troubleSnapshot, checkTable: true,
			check: func(t *testing.T, r *explain.Report, text string) {
				for _, want := range []string{"CRITICAL", "FAILING", "NOT READ: this explanation is incomplete", "silent 17m"} {
					if !strings.Contains(text, want) {
						t.Errorf("output lacks %q", want)
					}
				}
				wantVerdict := "2 nodes down (worker-1 NotReady 26m, worker-2 silent 17m), 6 degraded (worker-3 drain stuck, worker-4 DiskPressure, worker-5 taint maintenance and 3 more), control plane: scheduler failing, 3 pods waiting for a node."
				if r.Verdict.Text != wantVerdict || r.Verdict.Severity != explain.SeverityCritical {
					t.Errorf("verdict %q (%s), want %q (critical)", r.Verdict.Text, r.Verdict.Severity, wantVerdict)
				}
				// The verdict first, then the control plane, the findings
				// that need action, the nodes, and what is only worth
				// knowing; no teaching prose without --explain.
				order := []string{wantVerdict[:20], "CONTROL PLANE:", "FINDINGS", "NODES", "ALSO WORTH KNOWING"}
				last := -1
				for _, h := range order {
					i := strings.Index(text, h)
					if i < last {
						t.Errorf("%q is out of order (want %q)", h, order)
					}
					last = i
				}
				if strings.Contains(text, "WORKER COMPONENTS") || strings.Contains(text, "The front door of the cluster") {
					t.Error("the components are explained without --explain")
				}
				var names []string
				for _, row := range tableLines(t, text)[1:] {
					names = append(names, strings.Fields(row)[0])
				}
				if want := "worker-1 worker-2 worker-3 worker-4 worker-5 worker-6 worker-7 worker-8 cp-1"; strings.Join(names, " ") != want {
					t.Errorf("node rows %q, want the most severe first: %q", names, want)
				}
				said := findingsText(r)
				for _, want := range []string{
					"drain stuck: 2 pods terminating past their grace period, held by finalizer example.com/drain-hook",
					"1 pod crash-looping: ml/trainer-0 (trainer: 17 restarts)",
					"4 taints: 2 reserving it, 1 waiting for set-up, 1 of unknown purpose",
					"so in about 25s", "nothing recreates it elsewhere: ops/debug-shell", "until the node returns or its Node object is deleted",
					"`kubectl explain-nodes why-pending -A`"} {
					if !strings.Contains(said, want) {
						t.Errorf("the findings do not say %q", want)
					}
				}
			},
		},
		{
			name: "kubeadm-wide", snap: kubeadmSnapshot, wide: true,
			check: func(t *testing.T, r *explain.Report, text string) {
				rows := tableLines(t, text)
				if len(rows) != 8 {
					t.Errorf("want the header and a row for each of the 7 nodes, got:\n%s", strings.Join(rows, "\n"))
				}
				for _, want := range []string{"INTERNAL-IP", "RUNTIME", "ZONE", "POOL"} {
					if !strings.Contains(rows[0], want) {
						t.Errorf("the wide table lacks %s: %s", want, rows[0])
					}
				}
			},
		},
		{
			name: "trouble-explain", snap: troubleSnapshot, explain: true,
			check: func(t *testing.T, r *explain.Report, text string) {
				for _, want := range []string{"HOW THE CONTROL PLANE IS RUN: self-hosted (kubeadm)", "The front door of the cluster",
					"WORKER COMPONENTS (on every node)", "containerd://2.1.4 on 9 nodes"} {
					if !strings.Contains(text, want) {
						t.Errorf("output lacks %q", want)
					}
				}
			},
		},
		{
			name: "node-detail", snap: detailSnapshot, detail: true,
			check: func(t *testing.T, r *explain.Report, text string) {
				for _, want := range []string{"NODE worker-3", "Pods (7):", "Recent warning events:", "EvictionThresholdMet",
					"CrashLoopBackOff", "Terminating for 20s"} {
					if !strings.Contains(text, want) {
						t.Errorf("output lacks %q", want)
					}
				}
				flat := strings.Join(strings.Fields(text), " ")
				for _, tn := range r.Nodes[0].Taints {
					if n := strings.Count(flat, tn.Meaning[:60]); n != 1 {
						t.Errorf("the taint %s is explained %d times in the node view, want once", tn.Key, n)
					}
				}
				if !strings.Contains(findingsText(r), "1 pod crash-looping: shop/cart-84b6f5d9c-7hxwq (cart: 17 restarts)") {
					t.Errorf("no finding names the crash-looping pod: %+v", r.Findings)
				}
				if strings.Contains(text, "Nothing needs attention") {
					t.Error("a node with a crash-looping pod is said to need no attention")
				}
				if r.ControlPlane.Checked || len(r.ControlPlane.Components) != 0 {
					t.Errorf("the node view reports a control plane it did not check: %+v", r.ControlPlane)
				}
				if strings.Contains(text, "CONTROL PLANE") || strings.Contains(text, "waiting for a node") {
					t.Error("the detail view shows cluster-level sections")
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := explain.Explain(tc.snap(), now, explain.Options{Detail: tc.detail})
			var b bytes.Buffer
			if err := ReportText(&b, r, TextOptions{Explain: tc.explain, Wide: tc.wide}, tc.detail); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, b.Bytes())
			text := b.String()
			assertNoControl(t, text)
			if tc.check != nil {
				tc.check(t, r, text)
			}
			if tc.checkTable {
				var long []string
				for _, line := range tableLines(t, text) {
					if n := displayWidth(line); n > DefaultWidth {
						long = append(long, fmt.Sprintf("%d columns: %q", n, line))
					}
				}
				if len(long) > 0 {
					t.Errorf("the NODES table is wider than %d columns:\n%s", DefaultWidth, strings.Join(long, "\n"))
				}
			}
		})
	}
}

// findingsText is every finding's title, meaning and fix, one per line.
func findingsText(r *explain.Report) string {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s\n%s\n%s\n", f.Title, f.Meaning, f.Fix)
	}
	return b.String()
}

// tableLines returns the lines of the NODES table, header included.
func tableLines(t *testing.T, text string) []string {
	t.Helper()
	_, after, ok := strings.Cut(text, "\nNODES\n")
	if !ok {
		t.Fatalf("no NODES table in:\n%s", text)
	}
	table, _, _ := strings.Cut(after, "\n\n")
	return strings.Split(strings.TrimSuffix(table, "\n"), "\n")
}

// The JSON of every report the goldens cover, overview and node view, is
// valid against the checked-in schema (docs/schema, generated by make docs).
func TestReportJSONMatchesSchema(t *testing.T) {
	for name, tc := range map[string]struct {
		snap   func() *cluster.Snapshot
		detail bool
	}{
		"kubeadm": {kubeadmSnapshot, false}, "managed-eks": {eksSnapshot, false}, "trouble": {troubleSnapshot, false},
		"node-detail": {detailSnapshot, true}, "hostile": {snapshot, false},
	} {
		t.Run(name, func(t *testing.T) {
			r := explain.Explain(tc.snap(), now, explain.Options{Detail: tc.detail})
			var b bytes.Buffer
			if err := Structured(&b, r, FormatJSON); err != nil {
				t.Fatal(err)
			}
			plugintest.ValidateJSON(t, "../../docs/schema/report.schema.json", b.Bytes())
		})
	}
}

// nodeViewText is the node view of s's nodes, as printed and with its
// words joined by single spaces.
func nodeViewText(t *testing.T, s *cluster.Snapshot) (printed, text string) {
	t.Helper()
	var b bytes.Buffer
	if err := ReportText(&b, explain.Explain(s, now, explain.Options{Detail: true}), TextOptions{}, true); err != nil {
		t.Fatal(err)
	}
	return b.String(), strings.Join(strings.Fields(b.String()), " ")
}

// The node view says what it could not read: with the pods unread it gives
// no request counts, and with the DaemonSets unread it does not say
// kube-proxy is missing.
func TestNodeDetailUnread(t *testing.T) {
	s := detailSnapshot()
	s.PodsRead, s.Pods, s.SystemDaemonSets = false, nil, nil
	s.Gaps = []v1alpha1.Gap{
		{What: "pods on worker-3", Resource: "pods", Node: "worker-3", Reason: "Forbidden", Message: "forbidden"},
		{What: "DaemonSets in kube-system", Resource: "daemonsets", Namespace: "kube-system", Reason: "Forbidden", Message: "forbidden"},
	}
	b, text := nodeViewText(t, s)
	for _, want := range []string{
		"CPU 8 cores, 8 allocatable to pods. Memory 31.5Gi, 31Gi allocatable. Up to 110 pods allowed. What the pods request is unknown (pods not read).",
		"kube-proxy: whether it is deployed is unknown (the DaemonSets in kube-system were not read).",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the node view lacks %q:\n%s", want, b)
		}
	}
	for _, wrong := range []string{"0 requested", "Pods: 0 of", "not deployed as a DaemonSet"} {
		if strings.Contains(text, wrong) {
			t.Errorf("the node view says %q of what it did not read:\n%s", wrong, b)
		}
	}
}

// A taint that outlives its cause is not explained as if its cause held:
// the node view says what the controller sets it for, what contradicts
// it, and, once it has stayed too long, to check the controller manager.
func TestNodeDetailLeftOverTaints(t *testing.T) {
	s := detailSnapshot()
	n := &s.Nodes[0]
	ready := condition(n, corev1.NodeReady)
	ready.Status, ready.LastTransitionTime = corev1.ConditionTrue, metav1.NewTime(now.Add(-10*time.Minute))
	n.Spec.Taints = []corev1.Taint{taint(corev1.TaintNodeUnreachable, "", corev1.TaintEffectNoSchedule), taint(corev1.TaintNodeUnschedulable, "", corev1.TaintEffectNoSchedule)}
	b, text := nodeViewText(t, s)
	for _, want := range []string{
		"node.kubernetes.io/unreachable:NoSchedule — node unreachable. The node lifecycle controller sets it while the node's Ready condition is Unknown (its kubelet stopped reporting), and removes it within seconds once that ends.",
		"It outlives its cause: the node has reported Ready=True for 10m. What to do: check kube-controller-manager, which should have removed it (see FINDINGS).",
		"It outlives its cause: the node is not cordoned. What to do: nothing if it goes within seconds; if it stays a minute or more, check kube-controller-manager.",
		"WARNING worker-3: 2 taints outlive their cause",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the node view lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(text, "nobody knows whether its pods still run") || strings.Contains(text, "Someone cordoned") {
		t.Errorf("the node view explains a left-over taint as if its cause held:\n%s", b)
	}
}
