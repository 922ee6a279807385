module github.com/rx-k8s-leader/rx-k8s-leader/tools/control-plane/helper

go 1.26.0
