package explain

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Code names a kind of finding. Codes are stable across versions, for
// scripts that read the JSON; docs/findings.md lists them.
type Code string

// The findings the overview and the node views can give.
const (
	CodeNoNodes           Code = "NoNodes"
	CodeNodeNotReady      Code = "NodeNotReady"
	CodeNodeUnknown       Code = "NodeUnknown"
	CodeNodeHeartbeatLate Code = "NodeHeartbeatLate"
	CodeNodeCondition     Code = "NodeCondition"
	// One code per condition the catalogue knows; NodeCondition, with the
	// finding's condition field, for the others.
	CodeNodeMemoryPressure            Code = "NodeMemoryPressure"
	CodeNodeDiskPressure              Code = "NodeDiskPressure"
	CodeNodePIDPressure               Code = "NodePIDPressure"
	CodeNodeNetworkUnavailable        Code = "NodeNetworkUnavailable"
	CodeNodeKernelDeadlock            Code = "NodeKernelDeadlock"
	CodeNodeReadonlyFilesystem        Code = "NodeReadonlyFilesystem"
	CodeNodeFrequentKubeletRestart    Code = "NodeFrequentKubeletRestart"
	CodeNodeFrequentDockerRestart     Code = "NodeFrequentDockerRestart"
	CodeNodeFrequentContainerdRestart Code = "NodeFrequentContainerdRestart"
	CodeNodeCorruptDockerOverlay2     Code = "NodeCorruptDockerOverlay2"
	CodeNodeCordoned                  Code = "NodeCordoned"
	CodeNodeTaint                     Code = "NodeTaint"
	CodeTaintLeftOver                 Code = "TaintLeftOver"
	CodeVersionSkew                   Code = "VersionSkew"
	CodeKubeProxyMissing              Code = "KubeProxyMissing"
	CodeNoKubeProxy                   Code = "NoKubeProxy"
	CodePodsNearLimit                 Code = "PodsNearLimit"
	CodeRequestsOvercommitted         Code = "RequestsOvercommitted"
	CodeRequestsNearAllocatable       Code = "RequestsNearAllocatable"
	CodeLimitsOvercommitted           Code = "LimitsOvercommitted"
	CodePoolUpgrading                 Code = "PoolUpgrading"
	CodeDaemonSetIncomplete           Code = "DaemonSetIncomplete"
	CodePodsStuckTerminating          Code = "PodsStuckTerminating"
	CodePodsCrashLooping              Code = "PodsCrashLooping"
	CodePodsRestarting                Code = "PodsRestarting"
	CodePodsNotStarting               Code = "PodsNotStarting"
	CodePodsNotReady                  Code = "PodsNotReady"
	CodePodsWaitingForNode            Code = "PodsWaitingForNode"
	CodeControlPlaneUnhealthy         Code = "ControlPlaneUnhealthy"
)

// FindingInfo is what a code stands for: the severities it is given and,
// in a sentence, what it says.
type FindingInfo struct {
	Severities []string
	About      string
}

// findingCatalogue holds every code, one row each.
var findingCatalogue = map[Code]FindingInfo{
	CodeNoNodes:                       {[]string{SeverityWarning}, "The cluster has no nodes: nothing can run."},
	CodeNodeNotReady:                  {[]string{SeverityCritical}, "A node's kubelet reports that it cannot run pods (Ready=False); no new pods go there, and its pods are evicted after their tolerationSeconds."},
	CodeNodeUnknown:                   {[]string{SeverityCritical}, "A node's kubelet has stopped reporting (Ready=Unknown): the node controller taints it unreachable and its pods are evicted after their tolerationSeconds."},
	CodeNodeHeartbeatLate:             {[]string{SeverityWarning}, "A node still counts as Ready but its kubelet has missed its heartbeats: when the grace period runs out, it will be marked Unknown, tainted, and its pods evicted."},
	CodeNodeCondition:                 {[]string{SeverityWarning}, "A node reports an unhealthy condition this tool does not know (its type is in the finding's condition field), such as one of a node-problem-detector's custom rules."},
	CodeNodeMemoryPressure:            {[]string{SeverityWarning}, "The kubelet reports MemoryPressure: the node is short of memory; the kubelet evicts pods and the node controller taints it memory-pressure:NoSchedule."},
	CodeNodeDiskPressure:              {[]string{SeverityWarning}, "The kubelet reports DiskPressure: the node's root or image filesystem is short of space or inodes; the kubelet removes images and evicts pods, and the node controller taints it disk-pressure:NoSchedule."},
	CodeNodePIDPressure:               {[]string{SeverityWarning}, "The kubelet reports PIDPressure: the node is short of process IDs; the kubelet evicts pods and the node controller taints it pid-pressure:NoSchedule."},
	CodeNodeNetworkUnavailable:        {[]string{SeverityWarning}, "NetworkUnavailable: the node's pod network (its CNI plugin, or its cloud routes) is not set up; the node controller taints it network-unavailable:NoSchedule."},
	CodeNodeKernelDeadlock:            {[]string{SeverityWarning}, "node-problem-detector saw a kernel deadlock (a task hung in the kernel): containers on the node may hang; the node usually needs a reboot."},
	CodeNodeReadonlyFilesystem:        {[]string{SeverityWarning}, "node-problem-detector saw the kernel remount a filesystem read-only, usually after disk errors: pods that write there fail."},
	CodeNodeFrequentKubeletRestart:    {[]string{SeverityWarning}, "node-problem-detector saw the kubelet restart again and again."},
	CodeNodeFrequentDockerRestart:     {[]string{SeverityWarning}, "node-problem-detector saw Docker restart again and again."},
	CodeNodeFrequentContainerdRestart: {[]string{SeverityWarning}, "node-problem-detector saw containerd restart again and again."},
	CodeNodeCorruptDockerOverlay2:     {[]string{SeverityWarning}, "node-problem-detector saw Docker's overlay2 storage corrupted."},
	CodeNodeCordoned:                  {[]string{SeverityWarning}, "A node is cordoned (spec.unschedulable): no new pods go there; with pods terminating on it, a drain is in progress or stuck."},
	CodeNodeTaint:                     {[]string{SeverityInfo, SeverityWarning}, "A node's taints, by purpose: which pods they keep off, and which they evict."},
	CodeTaintLeftOver:                 {[]string{SeverityInfo, SeverityWarning}, "A taint the node lifecycle controller sets from a condition or the cordon outlives it (a not-ready or unreachable taint on a Ready node, a pressure taint with the pressure gone): the controller removes such taints within seconds, so one that stays a minute or more says kube-controller-manager is not doing its job."},
	CodeVersionSkew:                   {[]string{SeverityWarning}, "A node's kubelet is further from the API server's version than Kubernetes supports."},
	CodeKubeProxyMissing:              {[]string{SeverityWarning}, "kube-proxy runs as a DaemonSet, but its pod is missing or not running on a node, so Services may not work there."},
	CodeNoKubeProxy:                   {[]string{SeverityInfo}, "There is no kube-proxy DaemonSet in kube-system; a CNI plugin may do its job."},
	CodePodsNearLimit:                 {[]string{SeverityWarning}, "A node runs nearly as many pods as it allows."},
	CodeRequestsOvercommitted:         {[]string{SeverityWarning}, "The requests of a node's pods exceed what it has allocatable."},
	CodeDaemonSetIncomplete:           {[]string{SeverityWarning}, "A DaemonSet's pods are missing (not placed) or not ready on some of the nodes it selects; the finding names the nodes where they are not ready and the why-pending command for those not placed."},
	CodePoolUpgrading:                 {[]string{SeverityInfo}, "A pool's nodes (or, without pool labels, the cluster's) run more than one kubelet version, as in an upgrade: the finding says how many nodes run each, which are cordoned, and how many of their pods are terminating."},
	CodeLimitsOvercommitted:           {[]string{SeverityInfo, SeverityWarning}, "The limits of a node's pods add up to more than it has allocatable: memory (a warning past 200%), so that pods using their limits together get OOM-killed and evicted, or CPU (info), so that they are throttled under load."},
	CodeRequestsNearAllocatable:       {[]string{SeverityInfo}, "The requests of a node's pods take nearly all it has allocatable: new pods that ask for more will not fit."},
	CodePodsStuckTerminating:          {[]string{SeverityWarning}, "Pods on a node are terminating past their grace period, held by finalizers or by a kubelet that does not report."},
	CodePodsRestarting:                {[]string{SeverityWarning}, "Containers of pods on a node run now but were restarted again and again lately (3 times or more, the last within the hour), with how the last run ended (OOMKilled, an exit code)."},
	CodePodsCrashLooping:              {[]string{SeverityWarning}, "Containers of pods on a node start and exit again and again (CrashLoopBackOff)."},
	CodePodsNotStarting:               {[]string{SeverityWarning}, "Pods on a node cannot start: their images cannot be pulled, or their configuration is missing."},
	CodePodsNotReady:                  {[]string{SeverityInfo}, "Pods on a node run but are not ready, so Services send them no traffic."},
	CodePodsWaitingForNode:            {[]string{SeverityInfo}, "Pods wait for a node: `kubectl explain-nodes why-pending -A` explains them."},
	CodeControlPlaneUnhealthy:         {[]string{SeverityCritical}, "A control-plane component (API server, etcd, scheduler, controller manager) is unhealthy or not seen."},
}

// WriteFindingsDoc writes docs/findings.md: every finding code, its
// severities and what it says.
func WriteFindingsDoc(w io.Writer) error {
	if _, err := fmt.Fprint(w, "# Findings\n\nEvery finding of `kubectl explain-nodes` carries one of these codes in its JSON and YAML (`findings[].code`). Codes are stable across versions: scripts and alerts may rely on them. This file is generated by `make docs`.\n\n"); err != nil {
		return err
	}
	return WriteFindingsTable(w)
}

// WriteFindingsTable writes a Markdown table of every finding code, its
// severities and what it says, sorted by code.
func WriteFindingsTable(w io.Writer) error {
	codes := make([]string, 0, len(findingCatalogue))
	for c := range findingCatalogue {
		codes = append(codes, string(c))
	}
	sort.Strings(codes)
	if _, err := fmt.Fprint(w, "| code | severity | what it says |\n|---|---|---|\n"); err != nil {
		return err
	}
	for _, c := range codes {
		info := findingCatalogue[Code(c)]
		if _, err := fmt.Fprintf(w, "| `%s` | %s | %s |\n", c, strings.Join(info.Severities, ", "), info.About); err != nil {
			return err
		}
	}
	return nil
}
