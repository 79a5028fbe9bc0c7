#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

// Swift cannot import OpenSSL's function-like macros, so the few the HTTP target needs are wrapped here.

static inline long hearth_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}

static inline long hearth_SSL_CTX_set_dh_auto(SSL_CTX *ctx, int enabled) {
    return SSL_CTX_set_dh_auto(ctx, enabled);
}

static inline long hearth_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

// SSL_OP_* are built with SSL_OP_BIT(n), a cast expression Swift does not import.
static const uint64_t HEARTH_SSL_OP_NO_COMPRESSION = SSL_OP_NO_COMPRESSION;
static const uint64_t HEARTH_SSL_OP_NO_RENEGOTIATION = SSL_OP_NO_RENEGOTIATION;
static const uint64_t HEARTH_SSL_OP_CIPHER_SERVER_PREFERENCE = SSL_OP_CIPHER_SERVER_PREFERENCE;
static const uint64_t HEARTH_SSL_OP_IGNORE_UNEXPECTED_EOF = SSL_OP_IGNORE_UNEXPECTED_EOF;

static inline int hearth_ERR_GET_LIB(unsigned long code) { return ERR_GET_LIB(code); }
static inline int hearth_ERR_GET_REASON(unsigned long code) { return ERR_GET_REASON(code); }

// A socket BIO that sends with MSG_NOSIGNAL. OpenSSL's own socket BIO writes with write(2), which raises
// SIGPIPE when the peer has gone; a library must not change the process's signal disposition to avoid that.
// The BIO does not own the fd (the connection closes it) and keeps it in the BIO's data pointer.

#ifdef MSG_NOSIGNAL
#define HEARTH_SEND_FLAGS MSG_NOSIGNAL
#else
#define HEARTH_SEND_FLAGS 0  // Darwin: the socket carries SO_NOSIGPIPE instead.
#endif

static inline int hearth_socket_bio_fd(BIO *bio) {
    return (int)(intptr_t)BIO_get_data(bio);
}

static inline int hearth_socket_bio_is_retryable(int code) {
    return code == EAGAIN || code == EWOULDBLOCK || code == EINTR;
}

static inline int hearth_socket_bio_write(BIO *bio, const char *data, int length) {
    BIO_clear_retry_flags(bio);
    if (length <= 0) return 0;
    ssize_t sent;
    do {
        sent = send(hearth_socket_bio_fd(bio), data, (size_t)length, HEARTH_SEND_FLAGS);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0 && hearth_socket_bio_is_retryable(errno)) BIO_set_retry_write(bio);
    return (int)sent;
}

static inline int hearth_socket_bio_read(BIO *bio, char *data, int length) {
    BIO_clear_retry_flags(bio);
    if (length <= 0) return 0;
    ssize_t received;
    do {
        received = recv(hearth_socket_bio_fd(bio), data, (size_t)length, 0);
    } while (received < 0 && errno == EINTR);
    if (received < 0 && hearth_socket_bio_is_retryable(errno)) BIO_set_retry_read(bio);
    // OpenSSL asks BIO_eof to tell a closed peer from an I/O error, as with its own socket BIO.
    if (received == 0) BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
    return (int)received;
}

static inline int hearth_socket_bio_puts(BIO *bio, const char *text) {
    return hearth_socket_bio_write(bio, text, (int)strlen(text));
}

static inline long hearth_socket_bio_ctrl(BIO *bio, int command, long number, void *pointer) {
    (void)number;
    (void)pointer;
    switch (command) {
    case BIO_CTRL_FLUSH:
        return 1;  // Nothing is buffered: every write goes straight to send(2).
    case BIO_CTRL_EOF:
        return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0;
    default:
        return 0;
    }
}

static inline int hearth_socket_bio_create(BIO *bio) {
    BIO_set_data(bio, NULL);
    BIO_set_init(bio, 0);
    return 1;
}

/// The BIO method for `hearth_socket_bio_new`; NULL if OpenSSL is out of memory or BIO type indices.
static inline BIO_METHOD *hearth_socket_bio_method_new(void) {
    int index = BIO_get_new_index();
    if (index == -1) return NULL;
    BIO_METHOD *method = BIO_meth_new(index | BIO_TYPE_SOURCE_SINK, "hearth socket");
    if (method == NULL) return NULL;
    if (!BIO_meth_set_write(method, hearth_socket_bio_write)
        || !BIO_meth_set_read(method, hearth_socket_bio_read)
        || !BIO_meth_set_puts(method, hearth_socket_bio_puts)
        || !BIO_meth_set_ctrl(method, hearth_socket_bio_ctrl)
        || !BIO_meth_set_create(method, hearth_socket_bio_create)) {
        BIO_meth_free(method);
        return NULL;
    }
    return method;
}

/// A BIO doing I/O on `fd` (which it does not close); NULL if OpenSSL is out of memory.
static inline BIO *hearth_socket_bio_new(BIO_METHOD *method, int fd) {
    BIO *bio = BIO_new(method);
    if (bio == NULL) return NULL;
    BIO_set_data(bio, (void *)(intptr_t)fd);
    BIO_set_init(bio, 1);
    return bio;
}
