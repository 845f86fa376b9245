/** What is read of a Node response (`http.ServerResponse`) to tell whether its client is still there. */
export interface NodeResponse {
  readonly destroyed?: boolean
  readonly req?: { readonly socket?: { readonly destroyed?: boolean } | null }
}

/**
 * Whether the connection of `res` has closed, so its client cannot have received the whole
 * response. Asked when a response ends, instead of listening for 'close' on every miss: a handler
 * that stops when its client leaves ends the response normally, and nothing in its body tells.
 * Node marks a response destroyed when its socket closes; a response queued behind another on a
 * pipelined connection has no socket yet, and its request's socket tells instead.
 */
export function connectionClosed(res: NodeResponse): boolean {
  return res.destroyed === true || res.req?.socket?.destroyed === true
}
