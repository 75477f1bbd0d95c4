/**
 * @file ridl_types.h
 * @brief Base types and macros of the ridl RPC API (part of <rpc.h>).
 *
 * Microsoft's RPC headers rest on Win32 names (DWORD, HANDLE, BOOL ...). ridl declares the
 * ones its API needs, with Microsoft's 32-bit widths on every platform: DWORD, ULONG and LONG
 * are 32 bits even where the C `long` is 64.
 *
 * An application that already has its own definitions of the Win32 names (BOOL, DWORD, ULONG,
 * LONG, UINT, LONG_PTR, ULONG_PTR, DWORD_PTR, HANDLE, HWND, OVERLAPPED, SECURITY_ATTRIBUTES, GUID,
 * boolean, byte ...) defines RIDL_NO_WIN32_TYPES before including any ridl header and must
 * provide them with the same widths. Macros are each defined only if not defined already.
 */
#ifndef RIDL_TYPES_H
#define RIDL_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a function exported by librpcrt (the library is built with -fvisibility=hidden). */
#if defined(__GNUC__) || defined(__clang__)
#define RIDL_EXPORT   __attribute__((visibility("default")))
#define RIDL_NORETURN __attribute__((noreturn))
#else
#define RIDL_EXPORT
#define RIDL_NORETURN
#endif

/* Windows calling-convention and pointer decorations: empty on POSIX, kept so that code
 * written for Windows compiles unchanged. */
#ifndef RPC_ENTRY
#define RPC_ENTRY
#endif
#ifndef RPC_VAR_ENTRY
#define RPC_VAR_ENTRY
#endif
#ifndef __RPC_USER
#define __RPC_USER
#endif
#ifndef __RPC_API
#define __RPC_API
#endif
#ifndef __RPC_STUB
#define __RPC_STUB
#endif
#ifndef __RPC_FAR
#define __RPC_FAR
#endif

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

/** Timeout value meaning "wait for ever" (WaitForSingleObject, GetQueuedCompletionStatus ...). */
#ifndef INFINITE
#define INFINITE 0xFFFFFFFF
#endif
/** Return values of WaitForSingleObject and SleepEx. */
#ifndef WAIT_OBJECT_0
#define WAIT_OBJECT_0 0L
#endif
#ifndef WAIT_TIMEOUT
#define WAIT_TIMEOUT 258L
#endif
#ifndef WAIT_IO_COMPLETION
#define WAIT_IO_COMPLETION 0xC0L
#endif
#ifndef WAIT_FAILED
#define WAIT_FAILED 0xFFFFFFFF
#endif
/** The FileHandle to pass to CreateIoCompletionPort to create a new port. */
#ifndef INVALID_HANDLE_VALUE
#define INVALID_HANDLE_VALUE ((HANDLE)(LONG_PTR)-1)
#endif

#ifndef RIDL_NO_WIN32_TYPES
typedef int BOOL;
typedef uint32_t DWORD;
typedef uint32_t ULONG;
typedef int32_t LONG;
typedef unsigned int UINT;
typedef intptr_t LONG_PTR;
typedef uintptr_t ULONG_PTR;
typedef uintptr_t DWORD_PTR;
typedef ULONG_PTR *PULONG_PTR;
typedef DWORD *LPDWORD;
typedef void *PVOID;
typedef void *LPVOID;
typedef char *LPSTR;
typedef const char *LPCSTR;

/** An opaque runtime object (event, completion port ...); released with CloseHandle(). */
typedef void *HANDLE;
/** A window handle; present for source compatibility only (HWND notification is unsupported). */
typedef void *HWND;

/** IDL `boolean` and `byte`: 8-bit unsigned. */
typedef uint8_t boolean;
typedef uint8_t byte;

/**
 * Caller-owned record that travels through a completion port untouched (Win32 layout).
 * The runtime never reads or writes its fields; it only passes the pointer back.
 */
typedef struct _OVERLAPPED {
	ULONG_PTR Internal;
	ULONG_PTR InternalHigh;
	union {
		struct {
			DWORD Offset;
			DWORD OffsetHigh;
		};
		PVOID Pointer;
	};
	HANDLE hEvent;
} OVERLAPPED, *LPOVERLAPPED;

/** Accepted for source compatibility; ridl ignores security attributes. */
typedef struct _SECURITY_ATTRIBUTES {
	DWORD nLength;
	LPVOID lpSecurityDescriptor;
	BOOL bInheritHandle;
} SECURITY_ATTRIBUTES, *PSECURITY_ATTRIBUTES, *LPSECURITY_ATTRIBUTES;

#ifndef GUID_DEFINED
#define GUID_DEFINED
/** A GUID in host byte order, Microsoft's layout (16 bytes). */
typedef struct _GUID {
	uint32_t Data1;
	uint16_t Data2;
	uint16_t Data3;
	uint8_t Data4[8];
} GUID;
#endif
#endif /* RIDL_NO_WIN32_TYPES */

#ifndef UUID_DEFINED
#define UUID_DEFINED
typedef GUID UUID;
#endif

/** Status of every RPC API call: RPC_S_OK (0) or one of the codes in <rpcnterr.h>. */
typedef int32_t RPC_STATUS;
/** IDL `error_status_t`: a status code carried as an unsigned 32-bit value. */
typedef uint32_t error_status_t;

/** Opaque handle type underlying bindings. */
typedef void *I_RPC_HANDLE;
/** A binding handle: created by RpcBindingFromStringBinding() and friends, freed by RpcBindingFree(). */
typedef I_RPC_HANDLE RPC_BINDING_HANDLE;
/** IDL `handle_t`. */
typedef RPC_BINDING_HANDLE handle_t;
/** An interface specification emitted by ridl (NAME_vX_Y_c_ifspec / _s_ifspec); static, never freed. */
typedef void *RPC_IF_HANDLE;

/** A NUL-terminated 8-bit string; strings the runtime returns are freed with RpcStringFree(). */
typedef unsigned char *RPC_CSTR;
/** A NUL-terminated UTF-16 string (Microsoft's unsigned short form). */
typedef unsigned short *RPC_WSTR;

#ifndef IFID_DEFINED
#define IFID_DEFINED
/** An interface identity: UUID and version. */
typedef struct _RPC_IF_ID {
	UUID Uuid;
	unsigned short VersMajor;
	unsigned short VersMinor;
} RPC_IF_ID;
#endif

#ifdef __cplusplus
}
#endif

#endif /* RIDL_TYPES_H */
