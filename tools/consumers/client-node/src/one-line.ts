export { leadership$ } from 'rx-k8s-leader';
