// Miniflare's local Hyperdrive proxy leaves some socket errors unhandled while
// Postgres is refusing or has been killed (ECONNREFUSED, ECONNRESET, EPIPE, a
// write to a socket the server ended). They belong to the fault a test
// injects, not to the Worker under test; anything else is still thrown.
const PROXY_SOCKET_ERROR = /ECONNREFUSED|ECONNRESET|EPIPE|ended by the other party/;

/** Ignores the local Hyperdrive proxy's socket errors until the returned function is called. */
export function ignoreProxySocketErrors(): () => void {
  const ignore = (err: Error & { code?: string }) => {
    if (PROXY_SOCKET_ERROR.test(`${err.code} ${err.message}`)) return;
    throw err;
  };
  process.on('uncaughtException', ignore);
  return () => void process.off('uncaughtException', ignore);
}
