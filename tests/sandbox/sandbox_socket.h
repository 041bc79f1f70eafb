// Socket-level tricks the sandbox needs that cpp-httplib 0.11.4 has no API
// for: ending a connection without an answer, and surviving clients that
// go away mid-answer. Internal to the sandbox.
#pragma once

#include "httplib.h"

namespace gong::sandbox::internal {

// Ends the connection `req` arrived on without an answer; call from the
// request's handler, and set nothing else on `res`. A client sees the
// connection end with no answer bytes: libcurl fails with
// CURLE_GOT_NOTHING ("Empty reply from server"), httplib's client with
// Error::Read. Where the socket cannot be found (no /proc) the client gets
// headers and a cut-short body instead (libcurl: CURLE_PARTIAL_FILE).
void DropConnection(const httplib::Request& req, httplib::Response& res);

// Blocks SIGPIPE on the calling thread and the threads it starts later.
void BlockSigpipe();

}  // namespace gong::sandbox::internal
