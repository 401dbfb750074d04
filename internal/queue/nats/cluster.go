package nats

// ConnectedServer is the name of the server the queue is connected to (one
// node of a cluster given several URLs; it changes on failover), or "" while
// it is disconnected. For /readyz and logs.
func (q *Queue) ConnectedServer() string {
	if q.nc == nil || !q.nc.IsConnected() {
		return ""
	}
	return q.nc.ConnectedServerName()
}
