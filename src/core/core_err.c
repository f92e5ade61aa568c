/* SPDX-License-Identifier: MIT */
/*
 * core_err.c - the text for each KS_E* code. Every stage returns these codes and the CLI prints
 * them with ks_strerror(), so the wording is short, lowercase and stable.
 */
#include "core/core.h"

const char *ks_strerror(int err)
{
    switch (err) {
    case KS_OK: return "success";
    case KS_EINVAL: return "invalid argument";
    case KS_ENOMEM: return "out of memory";
    case KS_EIO: return "i/o error";
    case KS_EFORMAT: return "malformed input";
    case KS_ENOENT: return "not found";
    case KS_ECORRUPT: return "corrupt data";
    case KS_ETOOBIG: return "limit reached";
    case KS_EAGAIN: return "more input needed";
    case KS_EEXIST: return "already exists";
    case KS_EUNSUPPORTED: return "not supported";
    case KS_ELOCKED: return "locked by another process";
    case KS_ERANGE: return "out of range";
    default: return "unknown error";
    }
}
