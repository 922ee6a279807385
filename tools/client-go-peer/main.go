// Command client-go-peer contends for a Lease with client-go's tools/leaderelection, the
// reference implementation rx-k8s-leader must interoperate with and is measured against.
// It prints one JSON line per event on stdout:
//
//	{"event":"started-leading"|"stopped-leading"|"new-leader"|"ready","identity":"...","leader":"...","timeMicros":1764100000123456}
//
// timeMicros is wall time in microseconds since the Unix epoch, comparable with the Node side on
// the same machine. SIGTERM/SIGINT cancel the election (releasing the lease with -release-on-cancel).
// Like the OpenTelemetry collector extension, it runs the elector again after losing the lease.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

var output sync.Mutex

func emit(event, identity, leader string) {
	output.Lock()
	defer output.Unlock()
	line, _ := json.Marshal(map[string]any{"event": event, "identity": identity, "leader": leader, "timeMicros": time.Now().UnixMicro()})
	fmt.Println(string(line))
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig path")
	namespace := flag.String("namespace", "default", "Lease namespace")
	name := flag.String("name", "", "Lease name")
	identity := flag.String("identity", "", "holder identity")
	leaseDuration := flag.Duration("lease-duration", 15*time.Second, "LeaseDuration")
	renewDeadline := flag.Duration("renew-deadline", 10*time.Second, "RenewDeadline")
	retryPeriod := flag.Duration("retry-period", 2*time.Second, "RetryPeriod")
	releaseOnCancel := flag.Bool("release-on-cancel", true, "ReleaseOnCancel")
	flag.Parse()
	if *name == "" || *identity == "" {
		fmt.Fprintln(os.Stderr, "-name and -identity are required")
		os.Exit(2)
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubeconfig:", err)
		os.Exit(1)
	}
	config.UserAgent = "client-go-peer/" + *identity
	client := kubernetes.NewForConfigOrDie(config)
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: *namespace, Name: *name},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: *identity},
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	emit("ready", *identity, "")
	for ctx.Err() == nil {
		leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
			Lock:            lock,
			LeaseDuration:   *leaseDuration,
			RenewDeadline:   *renewDeadline,
			RetryPeriod:     *retryPeriod,
			ReleaseOnCancel: *releaseOnCancel,
			Name:            *name,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(context.Context) { emit("started-leading", *identity, *identity) },
				OnStoppedLeading: func() { emit("stopped-leading", *identity, "") },
				OnNewLeader:      func(leader string) { emit("new-leader", *identity, leader) },
			},
		})
	}
}
