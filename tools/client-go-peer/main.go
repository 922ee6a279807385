// Command client-go-peer contends for a Lease with client-go's tools/leaderelection, the
// reference implementation rx-k8s-leader must interoperate with and is measured against.
// It prints one JSON line per event on stdout:
//
//	{"event":"started-leading"|"stopped-leading"|"new-leader"|"ready","identity":"...","leader":"...","timeMicros":1764100000123456}
//
// timeMicros is wall time in microseconds since the Unix epoch, comparable with the Node side on
// the same machine. SIGTERM/SIGINT cancel the election (releasing the lease with -release-on-cancel).
// Like the OpenTelemetry collector extension, it runs the elector again after losing the lease.
//
// Flags for the chaos suite (tools/chaos), all off by default:
//
//	-clock-offset=5m     writes renewTime/acquireTime as a wall clock that is off by this much would
//	                     (client-go judges expiry by its own observation time, never by these)
//	-report-requests     prints {"event":"request","verb":"update","holder":"...",...} when an API request is sent and
//	                     {"event":"response","verb":"update","status":409,...} when it is answered
//	-report-cancel       prints {"event":"cancel",...} the moment SIGTERM/SIGINT arrives, before
//	                     the release: the end of this peer's leadership (OnStoppedLeading comes
//	                     only after the release)
//	-start-at=MICROS     waits until this wall time (Unix microseconds) before contending, so many
//	                     peers can start at one instant
//	-start-on-sigusr2    waits for SIGUSR2 before contending (after printing ready)
//
// Flags for the scale benchmark (bench/scale.ts), off by default:
//
//	-count=N             runs N electors in this one process, sharing one clientset, on the Leases
//	                     <name-prefix>0 .. <name-prefix>N-1 (-name is then not needed), all with
//	                     -identity; prints started-leading/stopped-leading lines with a "name" field,
//	                     and one {"event":"all-leading","count":N,"sinceStartMicros":...} line the
//	                     first time all N lead. SIGTERM/SIGINT cancel every election; the process
//	                     exits once all have returned (released, with -release-on-cancel).
//	-name-prefix=scale-  the Lease names of -count
//	-qps=Q -burst=B      the clientset's client-side rate limit (rest.Config QPS/Burst); 0 keeps
//	                     client-go's defaults (5 and 10), a negative -qps turns the limiter off
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
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
	emitFields(event, identity, leader, nil)
}

func emitFields(event, identity, leader string, fields map[string]any) {
	output.Lock()
	defer output.Unlock()
	line := map[string]any{"event": event, "identity": identity, "leader": leader, "timeMicros": time.Now().UnixMicro()}
	for key, value := range fields {
		line[key] = value
	}
	encoded, _ := json.Marshal(line)
	fmt.Println(string(encoded))
}

// reportingTransport prints a line when a request is sent and when it is answered (-report-requests).
type reportingTransport struct {
	next     http.RoundTripper
	identity string
}

func verbOf(request *http.Request) string {
	switch {
	case request.Method == http.MethodGet && request.URL.Query().Get("watch") == "true":
		return "watch"
	case request.Method == http.MethodGet:
		return "get"
	case request.Method == http.MethodPost:
		return "create"
	case request.Method == http.MethodPut:
		return "update"
	default:
		return strings.ToLower(request.Method)
	}
}

// pendingWrite is the record the lock is writing now (set by reportingLock around Create and
// Update, read by reportingTransport): the elector writes one record at a time. Its bodies are
// protobuf, so the record is taken here rather than parsed from them.
var pendingWrite atomic.Pointer[resourcelock.LeaderElectionRecord]

// reportingLock lets the request lines of -report-requests name the holder a write carries.
type reportingLock struct {
	resourcelock.Interface
}

func (l reportingLock) Create(ctx context.Context, record resourcelock.LeaderElectionRecord) error {
	pendingWrite.Store(&record)
	defer pendingWrite.Store(nil)
	return l.Interface.Create(ctx, record)
}

func (l reportingLock) Update(ctx context.Context, record resourcelock.LeaderElectionRecord) error {
	pendingWrite.Store(&record)
	defer pendingWrite.Store(nil)
	return l.Interface.Update(ctx, record)
}

func writtenSpec(request *http.Request) map[string]any {
	record := pendingWrite.Load()
	if record == nil || (request.Method != http.MethodPut && request.Method != http.MethodPost) {
		return nil
	}
	return map[string]any{"holder": record.HolderIdentity, "transitions": record.LeaderTransitions}
}

func (t *reportingTransport) RoundTrip(request *http.Request) (*http.Response, error) {
	verb := verbOf(request)
	sent := time.Now()
	requestFields := map[string]any{"verb": verb}
	for key, value := range writtenSpec(request) {
		requestFields[key] = value
	}
	emitFields("request", t.identity, "", requestFields)
	response, err := t.next.RoundTrip(request)
	fields := map[string]any{"verb": verb, "ms": float64(time.Since(sent).Microseconds()) / 1000}
	if err != nil {
		fields["status"] = 0
		fields["error"] = err.Error()
	} else {
		fields["status"] = response.StatusCode
	}
	emitFields("response", t.identity, "", fields)
	return response, err
}

// skewedLock writes renewTime and acquireTime offset by a constant, as a peer whose wall clock is off would.
type skewedLock struct {
	resourcelock.Interface
	offset time.Duration
}

func (l skewedLock) shift(record resourcelock.LeaderElectionRecord) resourcelock.LeaderElectionRecord {
	if !record.RenewTime.IsZero() {
		record.RenewTime = metav1.NewTime(record.RenewTime.Add(l.offset))
	}
	if !record.AcquireTime.IsZero() {
		record.AcquireTime = metav1.NewTime(record.AcquireTime.Add(l.offset))
	}
	return record
}

func (l skewedLock) Create(ctx context.Context, record resourcelock.LeaderElectionRecord) error {
	return l.Interface.Create(ctx, l.shift(record))
}

func (l skewedLock) Update(ctx context.Context, record resourcelock.LeaderElectionRecord) error {
	return l.Interface.Update(ctx, l.shift(record))
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
	clockOffset := flag.Duration("clock-offset", 0, "offset of the renewTime/acquireTime written, as a wall clock that is off")
	reportRequests := flag.Bool("report-requests", false, "print a line per API request sent and answered")
	reportCancel := flag.Bool("report-cancel", false, "print a cancel line when SIGTERM/SIGINT arrives, before the release")
	startAt := flag.Int64("start-at", 0, "wall time in Unix microseconds to start contending at")
	startOnSignal := flag.Bool("start-on-sigusr2", false, "wait for SIGUSR2 before contending")
	count := flag.Int("count", 0, "run this many electors in one process, on the Leases <name-prefix>0..<name-prefix>N-1")
	namePrefix := flag.String("name-prefix", "", "Lease name prefix for -count")
	qps := flag.Float64("qps", 0, "client-side rate limit in queries per second (0: client-go's default, negative: none)")
	burst := flag.Int("burst", 0, "client-side rate limit burst (0: client-go's default)")
	flag.Parse()
	if (*name == "" && *count <= 0) || *identity == "" {
		fmt.Fprintln(os.Stderr, "-name and -identity are required")
		os.Exit(2)
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubeconfig:", err)
		os.Exit(1)
	}
	config.UserAgent = "client-go-peer/" + *identity
	if *qps != 0 {
		config.QPS = float32(*qps)
	}
	if *burst != 0 {
		config.Burst = *burst
	}
	if *reportRequests {
		config.Wrap(func(next http.RoundTripper) http.RoundTripper {
			return &reportingTransport{next: next, identity: *identity}
		})
	}
	client := kubernetes.NewForConfigOrDie(config)
	lockFor := func(leaseName string) resourcelock.Interface {
		var lock resourcelock.Interface = &resourcelock.LeaseLock{
			LeaseMeta:  metav1.ObjectMeta{Namespace: *namespace, Name: leaseName},
			Client:     client.CoordinationV1(),
			LockConfig: resourcelock.ResourceLockConfig{Identity: *identity},
		}
		if *clockOffset != 0 {
			lock = skewedLock{Interface: lock, offset: *clockOffset}
		}
		if *reportRequests {
			lock = reportingLock{Interface: lock}
		}
		return lock
	}
	var go2 chan os.Signal
	if *startOnSignal {
		go2 = make(chan os.Signal, 1)
		signal.Notify(go2, syscall.SIGUSR2)
	}
	var ctx context.Context
	var cancel context.CancelFunc
	if *reportCancel {
		ctx, cancel = context.WithCancel(context.Background())
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
		go func() {
			<-signals
			emit("cancel", *identity, "")
			cancel()
		}()
	} else {
		ctx, cancel = signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	}
	defer cancel()
	emit("ready", *identity, "")
	if go2 != nil {
		select {
		case <-go2:
		case <-ctx.Done():
		}
	}
	if *startAt > 0 {
		select {
		case <-time.After(time.Until(time.UnixMicro(*startAt))):
		case <-ctx.Done():
		}
	}
	if *count > 0 {
		runMany(ctx, *count, *namePrefix, *identity, lockFor, *leaseDuration, *renewDeadline, *retryPeriod, *releaseOnCancel)
		return
	}
	lock := lockFor(*name)
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

// runMany runs count electors, one per Lease <prefix>0..<prefix>count-1, each again after losing
// its lease, until ctx is cancelled; it returns once every one has returned (-count).
func runMany(ctx context.Context, count int, prefix, identity string, lockFor func(string) resourcelock.Interface,
	leaseDuration, renewDeadline, retryPeriod time.Duration, releaseOnCancel bool) {
	started := time.Now()
	var leading atomic.Int64
	var allSaid atomic.Bool
	var electors sync.WaitGroup
	for index := 0; index < count; index++ {
		leaseName := fmt.Sprintf("%s%d", prefix, index)
		lock := lockFor(leaseName)
		electors.Add(1)
		go func() {
			defer electors.Done()
			for ctx.Err() == nil {
				var leads atomic.Bool
				leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
					Lock:            lock,
					LeaseDuration:   leaseDuration,
					RenewDeadline:   renewDeadline,
					RetryPeriod:     retryPeriod,
					ReleaseOnCancel: releaseOnCancel,
					Name:            leaseName,
					Callbacks: leaderelection.LeaderCallbacks{
						OnStartedLeading: func(context.Context) {
							leads.Store(true)
							emitFields("started-leading", identity, identity, map[string]any{"name": leaseName})
							if leading.Add(1) == int64(count) && !allSaid.Swap(true) {
								emitFields("all-leading", identity, identity, map[string]any{"count": count, "sinceStartMicros": time.Since(started).Microseconds()})
							}
						},
						OnStoppedLeading: func() {
							// client-go calls this when Run returns, whether it led or not
							if leads.Swap(false) {
								leading.Add(-1)
								emitFields("stopped-leading", identity, "", map[string]any{"name": leaseName})
							}
						},
					},
				})
			}
		}()
	}
	electors.Wait()
}
