package dev.confine.internal.linux;

/**
 * Linux's errno values, names and texts: the one table confine reads them from. The numbers are
 * the kernel's asm-generic ones, which x86_64 and aarch64 share (alpha, mips, parisc and sparc
 * number them otherwise; confine does not run there). Where two names share a number, the name
 * shown is the one jnr-constants showed before this table replaced it (a cold JVM spent some 20 ms
 * loading jnr-constants' Errno alone): EDEADLOCK, EAGAIN, ENOTSUP.
 */
public final class Errno {
  private Errno() {}

  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int EIO = 5;
  public static final int ENXIO = 6;
  public static final int E2BIG = 7;
  public static final int ENOEXEC = 8;
  public static final int EBADF = 9;
  public static final int ECHILD = 10;
  public static final int EAGAIN = 11;
  public static final int ENOMEM = 12;
  public static final int EACCES = 13;
  public static final int EFAULT = 14;
  public static final int ENOTBLK = 15;
  public static final int EBUSY = 16;
  public static final int EEXIST = 17;
  public static final int EXDEV = 18;
  public static final int ENODEV = 19;
  public static final int ENOTDIR = 20;
  public static final int EISDIR = 21;
  public static final int EINVAL = 22;
  public static final int ENFILE = 23;
  public static final int EMFILE = 24;
  public static final int ENOTTY = 25;
  public static final int ETXTBSY = 26;
  public static final int EFBIG = 27;
  public static final int ENOSPC = 28;
  public static final int ESPIPE = 29;
  public static final int EROFS = 30;
  public static final int EMLINK = 31;
  public static final int EPIPE = 32;
  public static final int EDOM = 33;
  public static final int ERANGE = 34;
  public static final int EDEADLOCK = 35;
  public static final int ENAMETOOLONG = 36;
  public static final int ENOLCK = 37;
  public static final int ENOSYS = 38;
  public static final int ENOTEMPTY = 39;
  public static final int ELOOP = 40;
  public static final int ENOMSG = 42;
  public static final int EIDRM = 43;
  public static final int ECHRNG = 44;
  public static final int EL2NSYNC = 45;
  public static final int EL3HLT = 46;
  public static final int EL3RST = 47;
  public static final int ELNRNG = 48;
  public static final int EUNATCH = 49;
  public static final int ENOCSI = 50;
  public static final int EL2HLT = 51;
  public static final int EBADE = 52;
  public static final int EBADR = 53;
  public static final int EXFULL = 54;
  public static final int ENOANO = 55;
  public static final int EBADRQC = 56;
  public static final int EBADSLT = 57;
  public static final int EBFONT = 59;
  public static final int ENOSTR = 60;
  public static final int ENODATA = 61;
  public static final int ETIME = 62;
  public static final int ENOSR = 63;
  public static final int ENONET = 64;
  public static final int ENOPKG = 65;
  public static final int EREMOTE = 66;
  public static final int ENOLINK = 67;
  public static final int EADV = 68;
  public static final int ESRMNT = 69;
  public static final int ECOMM = 70;
  public static final int EPROTO = 71;
  public static final int EMULTIHOP = 72;
  public static final int EDOTDOT = 73;
  public static final int EBADMSG = 74;
  public static final int EOVERFLOW = 75;
  public static final int ENOTUNIQ = 76;
  public static final int EBADFD = 77;
  public static final int EREMCHG = 78;
  public static final int ELIBACC = 79;
  public static final int ELIBBAD = 80;
  public static final int ELIBSCN = 81;
  public static final int ELIBMAX = 82;
  public static final int ELIBEXEC = 83;
  public static final int EILSEQ = 84;
  public static final int ERESTART = 85;
  public static final int ESTRPIPE = 86;
  public static final int EUSERS = 87;
  public static final int ENOTSOCK = 88;
  public static final int EDESTADDRREQ = 89;
  public static final int EMSGSIZE = 90;
  public static final int EPROTOTYPE = 91;
  public static final int ENOPROTOOPT = 92;
  public static final int EPROTONOSUPPORT = 93;
  public static final int ESOCKTNOSUPPORT = 94;
  public static final int ENOTSUP = 95;
  public static final int EPFNOSUPPORT = 96;
  public static final int EAFNOSUPPORT = 97;
  public static final int EADDRINUSE = 98;
  public static final int EADDRNOTAVAIL = 99;
  public static final int ENETDOWN = 100;
  public static final int ENETUNREACH = 101;
  public static final int ENETRESET = 102;
  public static final int ECONNABORTED = 103;
  public static final int ECONNRESET = 104;
  public static final int ENOBUFS = 105;
  public static final int EISCONN = 106;
  public static final int ENOTCONN = 107;
  public static final int ESHUTDOWN = 108;
  public static final int ETOOMANYREFS = 109;
  public static final int ETIMEDOUT = 110;
  public static final int ECONNREFUSED = 111;
  public static final int EHOSTDOWN = 112;
  public static final int EHOSTUNREACH = 113;
  public static final int EALREADY = 114;
  public static final int EINPROGRESS = 115;
  public static final int ESTALE = 116;
  public static final int EUCLEAN = 117;
  public static final int ENOTNAM = 118;
  public static final int ENAVAIL = 119;
  public static final int EISNAM = 120;
  public static final int EREMOTEIO = 121;
  public static final int EDQUOT = 122;
  public static final int ENOMEDIUM = 123;
  public static final int EMEDIUMTYPE = 124;
  public static final int ECANCELED = 125;
  public static final int ENOKEY = 126;
  public static final int EKEYEXPIRED = 127;
  public static final int EKEYREVOKED = 128;
  public static final int EKEYREJECTED = 129;
  public static final int EOWNERDEAD = 130;
  public static final int ENOTRECOVERABLE = 131;
  public static final int ERFKILL = 132;
  public static final int EHWPOISON = 133;
  public static final int EDEADLK = EDEADLOCK;
  public static final int EWOULDBLOCK = EAGAIN;
  public static final int EOPNOTSUPP = ENOTSUP;

  private static final String[] NAMES = {
      null,
      "EPERM",
      "ENOENT",
      "ESRCH",
      "EINTR",
      "EIO",
      "ENXIO",
      "E2BIG",
      "ENOEXEC",
      "EBADF",
      "ECHILD",
      "EAGAIN",
      "ENOMEM",
      "EACCES",
      "EFAULT",
      "ENOTBLK",
      "EBUSY",
      "EEXIST",
      "EXDEV",
      "ENODEV",
      "ENOTDIR",
      "EISDIR",
      "EINVAL",
      "ENFILE",
      "EMFILE",
      "ENOTTY",
      "ETXTBSY",
      "EFBIG",
      "ENOSPC",
      "ESPIPE",
      "EROFS",
      "EMLINK",
      "EPIPE",
      "EDOM",
      "ERANGE",
      "EDEADLOCK",
      "ENAMETOOLONG",
      "ENOLCK",
      "ENOSYS",
      "ENOTEMPTY",
      "ELOOP",
      null,
      "ENOMSG",
      "EIDRM",
      "ECHRNG",
      "EL2NSYNC",
      "EL3HLT",
      "EL3RST",
      "ELNRNG",
      "EUNATCH",
      "ENOCSI",
      "EL2HLT",
      "EBADE",
      "EBADR",
      "EXFULL",
      "ENOANO",
      "EBADRQC",
      "EBADSLT",
      null,
      "EBFONT",
      "ENOSTR",
      "ENODATA",
      "ETIME",
      "ENOSR",
      "ENONET",
      "ENOPKG",
      "EREMOTE",
      "ENOLINK",
      "EADV",
      "ESRMNT",
      "ECOMM",
      "EPROTO",
      "EMULTIHOP",
      "EDOTDOT",
      "EBADMSG",
      "EOVERFLOW",
      "ENOTUNIQ",
      "EBADFD",
      "EREMCHG",
      "ELIBACC",
      "ELIBBAD",
      "ELIBSCN",
      "ELIBMAX",
      "ELIBEXEC",
      "EILSEQ",
      "ERESTART",
      "ESTRPIPE",
      "EUSERS",
      "ENOTSOCK",
      "EDESTADDRREQ",
      "EMSGSIZE",
      "EPROTOTYPE",
      "ENOPROTOOPT",
      "EPROTONOSUPPORT",
      "ESOCKTNOSUPPORT",
      "ENOTSUP",
      "EPFNOSUPPORT",
      "EAFNOSUPPORT",
      "EADDRINUSE",
      "EADDRNOTAVAIL",
      "ENETDOWN",
      "ENETUNREACH",
      "ENETRESET",
      "ECONNABORTED",
      "ECONNRESET",
      "ENOBUFS",
      "EISCONN",
      "ENOTCONN",
      "ESHUTDOWN",
      "ETOOMANYREFS",
      "ETIMEDOUT",
      "ECONNREFUSED",
      "EHOSTDOWN",
      "EHOSTUNREACH",
      "EALREADY",
      "EINPROGRESS",
      "ESTALE",
      "EUCLEAN",
      "ENOTNAM",
      "ENAVAIL",
      "EISNAM",
      "EREMOTEIO",
      "EDQUOT",
      "ENOMEDIUM",
      "EMEDIUMTYPE",
      "ECANCELED",
      "ENOKEY",
      "EKEYEXPIRED",
      "EKEYREVOKED",
      "EKEYREJECTED",
      "EOWNERDEAD",
      "ENOTRECOVERABLE",
      "ERFKILL",
      "EHWPOISON"
  };

  /** glibc's strerror(3) texts, in English. */
  private static final String[] TEXTS = {
      null,
      "Operation not permitted",
      "No such file or directory",
      "No such process",
      "Interrupted system call",
      "Input/output error",
      "No such device or address",
      "Argument list too long",
      "Exec format error",
      "Bad file descriptor",
      "No child processes",
      "Resource temporarily unavailable",
      "Cannot allocate memory",
      "Permission denied",
      "Bad address",
      "Block device required",
      "Device or resource busy",
      "File exists",
      "Invalid cross-device link",
      "No such device",
      "Not a directory",
      "Is a directory",
      "Invalid argument",
      "Too many open files in system",
      "Too many open files",
      "Inappropriate ioctl for device",
      "Text file busy",
      "File too large",
      "No space left on device",
      "Illegal seek",
      "Read-only file system",
      "Too many links",
      "Broken pipe",
      "Numerical argument out of domain",
      "Numerical result out of range",
      "Resource deadlock avoided",
      "File name too long",
      "No locks available",
      "Function not implemented",
      "Directory not empty",
      "Too many levels of symbolic links",
      null,
      "No message of desired type",
      "Identifier removed",
      "Channel number out of range",
      "Level 2 not synchronized",
      "Level 3 halted",
      "Level 3 reset",
      "Link number out of range",
      "Protocol driver not attached",
      "No CSI structure available",
      "Level 2 halted",
      "Invalid exchange",
      "Invalid request descriptor",
      "Exchange full",
      "No anode",
      "Invalid request code",
      "Invalid slot",
      null,
      "Bad font file format",
      "Device not a stream",
      "No data available",
      "Timer expired",
      "Out of streams resources",
      "Machine is not on the network",
      "Package not installed",
      "Object is remote",
      "Link has been severed",
      "Advertise error",
      "Srmount error",
      "Communication error on send",
      "Protocol error",
      "Multihop attempted",
      "RFS specific error",
      "Bad message",
      "Value too large for defined data type",
      "Name not unique on network",
      "File descriptor in bad state",
      "Remote address changed",
      "Can not access a needed shared library",
      "Accessing a corrupted shared library",
      ".lib section in a.out corrupted",
      "Attempting to link in too many shared libraries",
      "Cannot exec a shared library directly",
      "Invalid or incomplete multibyte or wide character",
      "Interrupted system call should be restarted",
      "Streams pipe error",
      "Too many users",
      "Socket operation on non-socket",
      "Destination address required",
      "Message too long",
      "Protocol wrong type for socket",
      "Protocol not available",
      "Protocol not supported",
      "Socket type not supported",
      "Operation not supported",
      "Protocol family not supported",
      "Address family not supported by protocol",
      "Address already in use",
      "Cannot assign requested address",
      "Network is down",
      "Network is unreachable",
      "Network dropped connection on reset",
      "Software caused connection abort",
      "Connection reset by peer",
      "No buffer space available",
      "Transport endpoint is already connected",
      "Transport endpoint is not connected",
      "Cannot send after transport endpoint shutdown",
      "Too many references: cannot splice",
      "Connection timed out",
      "Connection refused",
      "Host is down",
      "No route to host",
      "Operation already in progress",
      "Operation now in progress",
      "Stale file handle",
      "Structure needs cleaning",
      "Not a XENIX named type file",
      "No XENIX semaphores available",
      "Is a named type file",
      "Remote I/O error",
      "Disk quota exceeded",
      "No medium found",
      "Wrong medium type",
      "Operation canceled",
      "Required key not available",
      "Key has expired",
      "Key has been revoked",
      "Key was rejected by service",
      "Owner died",
      "State not recoverable",
      "Operation not possible due to RF-kill",
      "Memory page has hardware error"
  };

  /** The name of this errno value ("ENOENT"), or "errno N" for a number Linux does not define. */
  public static String name(int errno) {
    return known(errno) ? NAMES[errno] : "errno " + errno;
  }

  /** The text of this errno value ("No such file or directory"), or "unknown error". */
  public static String text(int errno) {
    return known(errno) ? TEXTS[errno] : "unknown error";
  }

  /** The value of the named errno (aliases included); fails for a name Linux does not define. */
  public static int byName(String name) {
    switch (name) {
      case "EDEADLK":
        return EDEADLK;
      case "EWOULDBLOCK":
        return EWOULDBLOCK;
      case "EOPNOTSUPP":
        return EOPNOTSUPP;
      default:
        for (int i = 1; i < NAMES.length; i++) {
          if (name.equals(NAMES[i])) {
            return i;
          }
        }
        throw new IllegalArgumentException("no errno named " + name + " on Linux");
    }
  }

  private static boolean known(int errno) {
    return errno > 0 && errno < NAMES.length && NAMES[errno] != null;
  }
}
