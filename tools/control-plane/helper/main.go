// Command control-plane-helper does the two things the TypeScript harness cannot do well in Node:
//
//	control-plane-helper pki DIR         writes a CA, a serving cert for 127.0.0.1/localhost, an admin
//	                                     client cert (O=system:masters) and a service-account key pair
//	control-plane-helper client-cert DIR NAME [-valid-for DURATION] [-group GROUP] [-out BASENAME]
//	                                     writes DIR/NAME.crt and .key: a client cert for user NAME in
//	                                     system:masters, signed by the CA in DIR (for per-user audit).
//	                                     -valid-for (a Go duration, e.g. 20s; default a week) sets how
//	                                     long it stays valid from now; -group "" leaves it in no group
//	                                     (RBAC then grants it nothing); -out writes DIR/BASENAME.crt/.key
//	control-plane-helper supervise -- CMD ARGS...
//	                                     runs CMD and kills it when this helper's parent dies, so no
//	                                     etcd or kube-apiserver outlives the test run that started it
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) >= 3 && os.Args[1] == "pki" {
		if err := writePKI(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "pki:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) >= 4 && os.Args[1] == "client-cert" {
		flags := flag.NewFlagSet("client-cert", flag.ExitOnError)
		validFor := flags.Duration("valid-for", 7*24*time.Hour, "how long the certificate is valid from now")
		group := flags.String("group", "system:masters", "the user's group (Organization); empty for none")
		out := flags.String("out", "", "base name of the files (default NAME)")
		_ = flags.Parse(os.Args[4:])
		if err := writeClientCert(os.Args[2], os.Args[3], clientCertOptions{validFor: *validFor, group: *group, out: *out}); err != nil {
			fmt.Fprintln(os.Stderr, "client-cert:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) >= 4 && os.Args[1] == "supervise" && os.Args[2] == "--" {
		os.Exit(supervise(os.Args[3], os.Args[4:]))
	}
	fmt.Fprintln(os.Stderr, "usage: control-plane-helper pki DIR | client-cert DIR NAME [-valid-for D] [-group G] [-out BASE] | supervise -- CMD ARGS...")
	os.Exit(2)
}

func supervise(command string, args []string) int {
	parent := os.Getppid()
	cmd := exec.Command(command, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "supervise:", err)
		return 1
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ticker := time.NewTicker(200 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-exited:
			return cmd.ProcessState.ExitCode()
		case sig := <-signals:
			_ = cmd.Process.Signal(sig)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
			return 0
		case <-ticker.C:
			if os.Getppid() != parent {
				_ = cmd.Process.Kill()
				<-exited
				return 1
			}
		}
	}
}

func writePKI(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "rx-k8s-leader-test-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, _ := x509.ParseCertificate(caDER)
	if err := writeCert(filepath.Join(dir, "ca.crt"), caDER); err != nil {
		return err
	}
	caKeyDER, err := x509.MarshalECPrivateKey(caKey)
	if err != nil {
		return err
	}
	if err := writePEM(filepath.Join(dir, "ca.key"), "EC PRIVATE KEY", caKeyDER); err != nil {
		return err
	}
	serving := leaf(big.NewInt(2), pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth)
	serving.DNSNames = []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"}
	serving.IPAddresses = []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	if err := issue(dir, "serving", serving, ca, caKey); err != nil {
		return err
	}
	if err := issueClient(dir, "admin", ca, caKey, defaultClientCert); err != nil {
		return err
	}
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	if err := writePEM(filepath.Join(dir, "sa.key"), "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(saKey)); err != nil {
		return err
	}
	publicDER, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return err
	}
	return writePEM(filepath.Join(dir, "sa.pub"), "PUBLIC KEY", publicDER)
}

func issue(dir, name string, template, ca *x509.Certificate, caKey *ecdsa.PrivateKey) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.CreateCertificate(rand.Reader, template, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writeCert(filepath.Join(dir, name+".crt"), der); err != nil {
		return err
	}
	return writePEM(filepath.Join(dir, name+".key"), "EC PRIVATE KEY", keyDER)
}

func writeCert(path string, der []byte) error { return writePEM(path, "CERTIFICATE", der) }

func writePEM(path, kind string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600)
}

// clientCertOptions: validity from now, the group (empty: none), and the files' base name (empty: the user name).
type clientCertOptions struct {
	validFor time.Duration
	group    string
	out      string
}

var defaultClientCert = clientCertOptions{validFor: 7 * 24 * time.Hour, group: "system:masters"}

func writeClientCert(dir, name string, options clientCertOptions) error {
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		return err
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, "ca.key"))
	if err != nil {
		return err
	}
	caBlock, _ := pem.Decode(caPEM)
	keyBlock, _ := pem.Decode(keyPEM)
	if caBlock == nil || keyBlock == nil {
		return fmt.Errorf("cannot decode the CA in %s", dir)
	}
	ca, err := x509.ParseCertificate(caBlock.Bytes)
	if err != nil {
		return err
	}
	caKey, err := x509.ParseECPrivateKey(keyBlock.Bytes)
	if err != nil {
		return err
	}
	return issueClient(dir, name, ca, caKey, options)
}

// issueClient writes DIR/NAME.crt and .key (or DIR/OUT.*): user NAME, by default in system:masters
// (RBAC lets it do anything) and valid for a week.
func issueClient(dir, name string, ca *x509.Certificate, caKey *ecdsa.PrivateKey, options clientCertOptions) error {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return err
	}
	subject := pkix.Name{CommonName: name}
	if options.group != "" {
		subject.Organization = []string{options.group}
	}
	template := leaf(serial, subject, x509.ExtKeyUsageClientAuth)
	template.NotAfter = time.Now().Add(options.validFor)
	base := name
	if options.out != "" {
		base = options.out
	}
	return issue(dir, base, template, ca, caKey)
}

// leaf is a week-long certificate template for a TLS server or client.
func leaf(serial *big.Int, subject pkix.Name, usage x509.ExtKeyUsage) *x509.Certificate {
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      subject,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
}
