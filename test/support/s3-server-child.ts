/**
 * Child process of the S3 test server (not a test file itself): `node s3-server-child.js <data dir>
 * <request log file>` runs s3rver on an ephemeral port of 127.0.0.1, prints `{"port": N}` once it
 * listens, appends one JSON line per request to the log (method, URL, Range header, status, bytes
 * sent) and exits on SIGTERM or when its parent closes stdin.
 */
import { appendFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const S3rver = require('s3rver') as new (
  options: Record<string, unknown>,
) => { callback(): (req: IncomingMessage, res: ServerResponse) => void }

const [directory, logFile] = process.argv.slice(2)
if (!directory || !logFile) {
  process.stderr.write('usage: s3-server-child <data dir> <request log file>\n')
  process.exit(2)
}

const handle = new S3rver({ directory, silent: true }).callback()
const server = createServer((req, res) => {
  const entry = { method: req.method, url: req.url, range: req.headers.range ?? null }
  res.on('finish', () => {
    const length = Number(res.getHeader('content-length') ?? 0)
    appendFileSync(logFile, `${JSON.stringify({ ...entry, status: res.statusCode, bytes: length })}\n`)
  })
  handle(req, res)
})
server.keepAliveTimeout = 1000
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  process.stdout.write(`${JSON.stringify({ port })}\n`)
})

function stop(): void {
  server.close(() => process.exit(0))
  server.closeAllConnections()
  setTimeout(() => process.exit(0), 2000).unref()
}
process.on('SIGTERM', stop)
process.stdin.on('end', stop)
process.stdin.resume()
