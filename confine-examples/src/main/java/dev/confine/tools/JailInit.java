package dev.confine.tools;

import static java.util.Objects.requireNonNull;

import dev.confine.ConfinementPolicy;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code confine-doctor init}: lays out a jail that passes {@code check}. Everything is validated
 * and every existing path looked at before anything is made; a path that exists and differs is
 * reported, and only {@code --force} changes its owner and mode. Nothing is ever deleted or
 * overwritten, so a file's content (an edited etc/hosts) stays as it is.
 */
final class JailInit {
  /** What init was asked. */
  static final class Request {
    final Path root;
    final String user;
    final OptionalLong group;
    final boolean nameLookups;
    final boolean devNull;
    final boolean devUrandom;
    final List<String> writable;
    final boolean force;
    /** --jvm-files: the java.home whose lazily read files are copied into the jail; empty without it. */
    final Optional<Path> jvmFiles;

    Request(Path root, String user, OptionalLong group, boolean nameLookups, boolean devNull, boolean devUrandom, List<String> writable,
        boolean force) {
      this(root, user, group, nameLookups, devNull, devUrandom, writable, force, Optional.empty());
    }

    Request(Path root, String user, OptionalLong group, boolean nameLookups, boolean devNull, boolean devUrandom, List<String> writable,
        boolean force, Optional<Path> jvmFiles) {
      this.root = root;
      this.user = user;
      this.group = group;
      this.nameLookups = nameLookups;
      this.devNull = devNull;
      this.devUrandom = devUrandom;
      this.writable = List.copyOf(writable);
      this.force = force;
      this.jvmFiles = jvmFiles;
    }
  }

  /** What init reads from and does to the machine: the real one, or a test's. */
  static final class Machine {
    /** A user (name or uid) to its uid and primary gid; empty if the passwd database has no entry. */
    final Function<String, Optional<long[]>> passwd;
    /** Where the host's hosts and resolv.conf are copied from. */
    final Path hostEtc;
    /** Whether the parents of the root are judged (a test's jail lies under a world-writable /tmp). */
    final boolean judgeParents;
    /** Makes a character device node. */
    final DeviceMaker mknod;
    /** The mount point of a nodev mount that holds the path, if it lies on one. */
    final Function<Path, Optional<String>> nodevMount;

    Machine(Function<String, Optional<long[]>> passwd, Path hostEtc, boolean judgeParents, DeviceMaker mknod,
        Function<Path, Optional<String>> nodevMount) {
      this.passwd = requireNonNull(passwd, "passwd");
      this.hostEtc = requireNonNull(hostEtc, "hostEtc");
      this.judgeParents = judgeParents;
      this.mknod = requireNonNull(mknod, "mknod");
      this.nodevMount = requireNonNull(nodevMount, "nodevMount");
    }

    static Machine system() {
      return new Machine(JailInit::getent, Path.of("/etc"), true, JailInit::mknod, JailInit::nodevMount);
    }
  }

  @FunctionalInterface
  interface DeviceMaker {
    void make(Path path, int major, int minor) throws IOException;
  }

  /** The kinds of entry init makes. */
  enum Kind {
    DIRECTORY("directory"),
    FILE("file"),
    CHAR_DEVICE("character device");

    final String shown;

    Kind(String shown) {
      this.shown = shown;
    }
  }

  /** One entry of the layout: where (relative to the root, "" for the root), what, whose, which mode, and which flag asks for it. */
  static final class Item {
    final String relative;
    final Kind kind;
    final long uid;
    final long gid;
    final int mode;
    final String reason;
    final byte[] content;
    final String contentNote;
    final int major;
    final int minor;

    private Item(String relative, Kind kind, long uid, long gid, int mode, String reason, byte[] content, String contentNote, int major,
        int minor) {
      this.relative = relative;
      this.kind = kind;
      this.uid = uid;
      this.gid = gid;
      this.mode = mode;
      this.reason = reason;
      this.content = content;
      this.contentNote = contentNote;
      this.major = major;
      this.minor = minor;
    }

    static Item directory(String relative, long uid, long gid, int mode, String reason) {
      return new Item(relative, Kind.DIRECTORY, uid, gid, mode, reason, new byte[0], "", 0, 0);
    }

    static Item file(String relative, byte[] content, String contentNote, String reason) {
      return new Item(relative, Kind.FILE, 0, 0, 0644, reason, content.clone(), contentNote, 0, 0);
    }

    /** A copy no one may change in the jail: root's, 0444. */
    static Item readOnlyFile(String relative, byte[] content, String contentNote, String reason) {
      return new Item(relative, Kind.FILE, 0, 0, 0444, reason, content.clone(), contentNote, 0, 0);
    }

    static Item device(String relative, int major, int minor, String reason) {
      return new Item(relative, Kind.CHAR_DEVICE, 0, 0, 0666, reason, new byte[0], "", major, minor);
    }

    /** "directory 0:0 0755", "character device 1,3 0:0 0666". */
    String describe() {
      return kind.shown + (kind == Kind.CHAR_DEVICE ? " " + major + "," + minor : "") + " " + uid + ":" + gid + " " + octal(mode);
    }

    boolean sameAs(Item other) {
      return kind == other.kind && uid == other.uid && gid == other.gid && mode == other.mode && major == other.major
          && minor == other.minor && java.util.Arrays.equals(content, other.content);
    }
  }

  /** What an entry of the layout is now. */
  enum State {
    /** Not there: init makes it. */
    MISSING,
    /** There as the layout wants it. */
    SAME,
    /** There, of the right kind, with another owner or mode: --force fixes it. */
    DIFFERS,
    /** There, but of another kind (a link, a file for a directory, another device): only deleting it would do. */
    WRONG,
    /** Below an entry that is WRONG: not looked at, as that could follow a link out of the jail. */
    UNREACHED
  }

  private static final class Look {
    final Item item;
    final Path path;
    final State state;
    final String detail;

    Look(Item item, Path path, State state, String detail) {
      this.item = item;
      this.path = path;
      this.state = state;
      this.detail = detail;
    }
  }

  static final String NSSWITCH =
      "# Written by confine-doctor init: host names are looked up in etc/hosts, then with the servers\n"
          + "# of etc/resolv.conf (glibc's built-in dns; no other NSS module is loaded in the jail).\n"
          + "hosts: files dns\n";
  static final String HOSTS_FALLBACK = "127.0.0.1\tlocalhost\n::1\tlocalhost\n";
  static final String RESOLV_FALLBACK = "# Written by confine-doctor init: the host had no /etc/resolv.conf; glibc then asks 127.0.0.1.\n";

  private JailInit() {}

  /** Parses the arguments after "init". */
  static Request parse(List<String> args) throws Doctor.UsageException {
    Optional<Path> root = Optional.empty();
    Optional<String> user = Optional.empty();
    OptionalLong group = OptionalLong.empty();
    boolean nameLookups = false;
    boolean devNull = false;
    boolean devUrandom = false;
    boolean force = false;
    boolean jvmFiles = false;
    Optional<Path> javaHome = Optional.empty();
    List<String> writable = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String option = args.get(i);
      switch (option) {
        case "--root":
          {
            String value = Doctor.value(args, i++, option);
            if (root.isPresent()) {
              throw new Doctor.UsageException("--root is given twice (\"" + root.get() + "\" and \"" + value + "\")");
            }
            root = Optional.of(root(value));
            break;
          }
        case "--user":
          {
            String value = Doctor.value(args, i++, option);
            if (user.isPresent()) {
              throw new Doctor.UsageException("--user is given twice (\"" + user.get() + "\" and \"" + value + "\")");
            }
            if (value.isEmpty()) {
              throw new Doctor.UsageException("--user needs a value");
            }
            user = Optional.of(value);
            break;
          }
        case "--group":
          {
            long gid = Doctor.number(Doctor.value(args, i++, option), option);
            if (gid == 0) {
              throw new Doctor.UsageException("--group must not be 0: group 0 owns much of the system");
            }
            if (gid > ConfinementPolicy.MAX_ID) {
              throw new Doctor.UsageException("--group " + gid + " is above " + ConfinementPolicy.MAX_ID + ", the largest gid");
            }
            group = OptionalLong.of(gid);
            break;
          }
        case "--writable":
          writable.add(writable(Doctor.value(args, i++, option), writable));
          break;
        case "--name-lookups":
          nameLookups = true;
          break;
        case "--dev-null":
          devNull = true;
          break;
        case "--dev-urandom":
          devUrandom = true;
          break;
        case "--force":
          force = true;
          break;
        case "--jvm-files":
          jvmFiles = true;
          break;
        case "--java-home":
          {
            String value = Doctor.value(args, i++, option);
            if (javaHome.isPresent()) {
              throw new Doctor.UsageException("--java-home is given twice (\"" + javaHome.get() + "\" and \"" + value + "\")");
            }
            Path home = Path.of(value);
            if (!home.isAbsolute() || !home.normalize().equals(home)) {
              throw new Doctor.UsageException("--java-home must be an absolute path without \".\" or \"..\", as the daemon's java.home: " + value);
            }
            javaHome = Optional.of(home);
            break;
          }
        default:
          throw new Doctor.UsageException("unknown option \"" + option + "\" for init");
      }
    }
    if (root.isEmpty()) {
      throw new Doctor.UsageException("--root DIR is required");
    }
    if (user.isEmpty()) {
      throw new Doctor.UsageException("--user NAME|UID is required");
    }
    if (javaHome.isPresent() && !jvmFiles) {
      throw new Doctor.UsageException("--java-home names the JDK for --jvm-files, which is not given");
    }
    Optional<Path> jvmHome =
        jvmFiles ? Optional.of(javaHome.orElseGet(() -> Path.of(System.getProperty("java.home")))) : Optional.empty();
    return new Request(root.get(), user.get(), group, nameLookups, devNull, devUrandom, writable, force, jvmHome);
  }

  private static Path root(String value) throws Doctor.UsageException {
    Path root;
    try {
      root = Path.of(value);
    } catch (java.nio.file.InvalidPathException e) {
      throw new Doctor.UsageException("--root \"" + value + "\" is not a path: " + e.getReason());
    }
    if (!root.isAbsolute()) {
      throw new Doctor.UsageException("--root must be an absolute path: " + value);
    }
    if (!root.normalize().equals(root)) {
      throw new Doctor.UsageException("--root must have no \".\" or \"..\" components: " + value);
    }
    if (root.getParent() == null) {
      throw new Doctor.UsageException("--root must not be \"/\": the jail is a directory of its own");
    }
    return root;
  }

  /** A writable subdirectory as given, without trailing slashes, if it stays inside the root. */
  private static String writable(String value, List<String> earlier) throws Doctor.UsageException {
    String sub = value;
    while (sub.length() > 1 && sub.endsWith("/")) {
      sub = sub.substring(0, sub.length() - 1);
    }
    if (sub.startsWith("/")) {
      throw new Doctor.UsageException("--writable " + value + ": give a subdirectory relative to the root (var/data), not an absolute path");
    }
    if (sub.isEmpty() || sub.indexOf('\0') >= 0) {
      throw new Doctor.UsageException("--writable \"" + value + "\" is not a subdirectory of the root");
    }
    for (String name : sub.split("/", -1)) {
      if (name.isEmpty() || name.equals(".") || name.equals("..")) {
        throw new Doctor.UsageException(
            "--writable " + value + ": every component must be a name (no empty, \".\" or \"..\" one): it must stay inside the root");
      }
    }
    if (earlier.contains(sub)) {
      throw new Doctor.UsageException("--writable " + value + " is given twice");
    }
    return sub;
  }

  /** Runs init: 0 made (or already there), 1 existing paths in the way (nothing changed), 2 bad input, 3 could not run. */
  static int run(List<String> args, PrintStream out, PrintStream err, Machine machine) {
    Request request;
    Map<String, Item> layout;
    long uid;
    long gid;
    try {
      request = parse(args);
      if (machine.judgeParents) {
        judgeParents(request.root);
      }
      long[] ids = identity(request, machine);
      uid = ids[0];
      gid = ids[1];
      layout = layout(request, uid, gid, machine);
    } catch (Doctor.UsageException e) {
      err.println("confine-doctor: " + e.getMessage());
      err.println(Doctor.SEE_HELP);
      return Doctor.USAGE;
    } catch (IOException | UncheckedIOException e) {
      err.println("confine-doctor: init could not run: " + e.getMessage());
      return Doctor.CHECK_FAILED;
    }

    List<Look> looks;
    try {
      looks = look(request.root, layout);
    } catch (IOException e) {
      err.println("confine-doctor: init could not look at " + request.root + ": " + e);
      return Doctor.CHECK_FAILED;
    }
    out.println("confine doctor init: " + request.root + " for uid " + uid + ", gid " + gid);
    List<Look> wrong = looks.stream().filter(l -> l.state == State.WRONG).collect(Collectors.toList());
    List<Look> differ = looks.stream().filter(l -> l.state == State.DIFFERS).collect(Collectors.toList());
    if (!wrong.isEmpty() || (!differ.isEmpty() && !request.force)) {
      int count = wrong.size() + differ.size();
      out.println("changed nothing: " + count + " existing path" + (count == 1 ? " is" : "s are") + " not as the jail needs it:");
      for (Look l : wrong) {
        out.println("  in the way  " + l.path + ": " + l.detail);
      }
      for (Look l : differ) {
        out.println("  differs     " + l.path + ": it is " + l.detail + ", wanted " + l.item.describe());
      }
      if (!wrong.isEmpty()) {
        out.println("init never deletes: move or remove what is in the way yourself, then run init again.");
      }
      if (!differ.isEmpty()) {
        out.println("--force fixes the owner and mode of what differs" + (request.force ? " once nothing is in the way." : "."));
      }
      return Doctor.ERRORS_FOUND;
    }

    List<Path> made = new ArrayList<>();
    int width = looks.stream().mapToInt(l -> l.path.toString().length()).max().orElse(0);
    for (Look l : looks) {
      String shown = String.format("%-" + width + "s  ", l.path) + l.item.describe();
      try {
        switch (l.state) {
          case MISSING:
            make(l.path, l.item, machine);
            made.add(l.path);
            out.println("made   " + shown + (l.item.contentNote.isEmpty() ? "" : " (" + l.item.contentNote + ")"));
            break;
          case DIFFERS:
            setOwnerAndMode(l.path, l.item);
            out.println("fixed  " + shown + " (was " + l.detail + ")");
            break;
          default:
            out.println("kept   " + shown + (l.item.kind == Kind.FILE ? " (already so; its content is left as it is" + contentDiffers(l) + ")" : " (already so)"));
        }
      } catch (IOException | RuntimeException e) {
        err.println("confine-doctor: init could not make " + l.path + ": " + e);
        undo(made, err);
        return Doctor.CHECK_FAILED;
      }
    }
    notes(request, layout, machine, out);
    return Doctor.OK;
  }

  /**
   * Each component from "/" to the root's parent must be a root-owned directory that no one else
   * can write, as check demands of the path to a jail: whoever can rename one can swap the jail.
   */
  static void judgeParents(Path root) throws Doctor.UsageException, IOException {
    List<String> problems = new ArrayList<>();
    Path parent = root.getParent();
    List<Path> chain = new ArrayList<>();
    for (Path p = parent; p != null; p = p.getParent()) {
      chain.add(0, p);
    }
    for (Path p : chain) {
      Map<String, Object> a;
      try {
        a = Files.readAttributes(p, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        problems.add(p + " does not exist (init makes the jail, not its parents: create " + p + " root-owned, mode 0755)");
        break;
      }
      int mode = (Integer) a.get("mode");
      int uid = (Integer) a.get("uid");
      if ((mode & 0170000) == 0120000) {
        problems.add(p + " is a symbolic link (give the canonical path: realpath " + root + ")");
        break;
      }
      if ((mode & 0170000) != 0040000) {
        problems.add(p + " is not a directory");
        break;
      }
      if (uid != 0) {
        problems.add(p + " is owned by uid " + uid + ", not root (chown root " + p + ")");
      }
      if ((mode & 0022) != 0) {
        problems.add(p + " is writable by " + ((mode & 0020) != 0 ? ((mode & 0002) != 0 ? "group and others" : "group") : "others")
            + " (mode " + octal(mode & 07777) + "; chmod go-w " + p + ")");
      }
    }
    if (!problems.isEmpty()) {
      throw new Doctor.UsageException(
          "--root " + root + ": every directory above the jail must be root-owned and writable by no one else, as check demands: "
              + String.join("; ", problems));
    }
  }

  /** The uid and gid the jail is laid out for: the user's, and the given group or the user's primary one. */
  private static long[] identity(Request request, Machine machine) throws Doctor.UsageException {
    boolean numeric = request.user.matches("[0-9]+");
    OptionalLong given = OptionalLong.empty();
    if (numeric) {
      given = OptionalLong.of(Doctor.number(request.user, "--user"));
      if (given.getAsLong() > ConfinementPolicy.MAX_ID) {
        throw new Doctor.UsageException("--user " + request.user + " is above " + ConfinementPolicy.MAX_ID + ", the largest uid");
      }
    }
    Optional<long[]> entry = machine.passwd.apply(request.user);
    if (entry.isEmpty() && !numeric) {
      throw new Doctor.UsageException("--user " + request.user + ": no such user in the passwd database (create it, or give a uid)");
    }
    long uid = numeric ? given.getAsLong() : entry.get()[0];
    if (uid == 0) {
      throw new Doctor.UsageException("--user " + request.user + " is uid 0: confining to root keeps root");
    }
    long gid;
    if (request.group.isPresent()) {
      gid = request.group.getAsLong();
    } else if (entry.isPresent()) {
      gid = entry.get()[1];
      if (gid == 0) {
        throw new Doctor.UsageException("--user " + request.user + ": its primary group is gid 0 (root): give --group GID");
      }
    } else {
      throw new Doctor.UsageException("--user " + request.user + ": uid " + uid + " has no passwd entry, so it has no primary group: give --group GID");
    }
    return new long[] {uid, gid};
  }

  /** Every entry init makes, parents before children; refuses flags whose entries collide. */
  static Map<String, Item> layout(Request request, long uid, long gid, Machine machine) throws Doctor.UsageException, IOException {
    Map<String, Item> layout = new LinkedHashMap<>();
    add(layout, Item.directory("", 0, 0, 0755, "--root"));
    if (request.nameLookups) {
      add(layout, Item.directory("etc", 0, 0, 0755, "--name-lookups"));
      add(layout, Item.file("etc/nsswitch.conf", NSSWITCH.getBytes(StandardCharsets.UTF_8), "hosts: files dns", "--name-lookups"));
      add(layout, hostCopy(machine.hostEtc, "hosts", HOSTS_FALLBACK));
      add(layout, hostCopy(machine.hostEtc, "resolv.conf", RESOLV_FALLBACK));
    }
    if (request.devNull || request.devUrandom) {
      add(layout, Item.directory("dev", 0, 0, 0755, request.devNull ? "--dev-null" : "--dev-urandom"));
    }
    if (request.devNull) {
      add(layout, Item.device("dev/null", 1, 3, "--dev-null"));
    }
    if (request.devUrandom) {
      add(layout, Item.device("dev/urandom", 1, 9, "--dev-urandom"));
    }
    if (request.jvmFiles.isPresent()) {
      jvmFiles(layout, request.jvmFiles.get());
    }
    for (String sub : request.writable) {
      String reason = "--writable " + sub;
      String[] names = sub.split("/");
      StringBuilder path = new StringBuilder();
      for (int i = 0; i < names.length - 1; i++) {
        path.append(path.length() == 0 ? "" : "/").append(names[i]);
        add(layout, Item.directory(path.toString(), 0, 0, 0755, reason));
      }
      add(layout, Item.directory(sub, uid, gid, 0700, reason));
    }
    // Nothing of root's lies inside a writable directory (its owner could replace it): every entry's
    // parents are entries too, so such a layout has collided above, at the writable directory.
    return layout;
  }

  /** Where init records what --jvm-files copied: sha256sum's format, paths relative to "/" (and to the jail). */
  static final String JVM_FILES_MANIFEST = "etc/confine/jvm-files.sha256";

  /**
   * --jvm-files: copies of what the JVM reads lazily under java.home (JailJvmFiles), at the same
   * path in the jail, root's, 0444, their directories root's 0755; and the manifest of their
   * SHA-256 at copy time, from which check tells that the host's JDK changed since.
   */
  private static void jvmFiles(Map<String, Item> layout, Path javaHome) throws Doctor.UsageException, IOException {
    if (!Files.isDirectory(javaHome.resolve("lib"))) {
      throw new Doctor.UsageException("--java-home " + javaHome + " is not a JDK's home (it has no lib directory)");
    }
    // The JVM's java.home is the real path: copies under a link's name would never be looked for.
    Path real = javaHome.toRealPath();
    if (!real.equals(javaHome)) {
      throw new Doctor.UsageException("--java-home " + javaHome + " is a link (or lies below one): give the real path, " + real
          + ", which is the JVM's java.home");
    }
    List<Path> files = dev.confine.JailJvmFiles.files(javaHome, EnumSet.allOf(dev.confine.JvmFacility.class));
    StringBuilder manifest = new StringBuilder();
    for (Path file : files) {
      String relative = file.toString().substring(1);
      String[] names = relative.split("/");
      StringBuilder dir = new StringBuilder();
      for (int i = 0; i < names.length - 1; i++) {
        dir.append(dir.length() == 0 ? "" : "/").append(names[i]);
        add(layout, Item.directory(dir.toString(), 0, 0, 0755, "--jvm-files"));
      }
      byte[] content = Files.readAllBytes(file);
      add(layout, Item.readOnlyFile(relative, content, "a copy of the host's " + file, "--jvm-files"));
      manifest.append(sha256(content)).append("  ").append(relative).append('\n');
    }
    add(layout, Item.directory("etc", 0, 0, 0755, "--jvm-files"));
    add(layout, Item.directory("etc/confine", 0, 0, 0755, "--jvm-files"));
    add(layout, Item.readOnlyFile(JVM_FILES_MANIFEST, manifest.toString().getBytes(StandardCharsets.UTF_8),
        files.size() + " SHA-256 of the copies, for check", "--jvm-files"));
  }

  static String sha256(byte[] content) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  private static Item hostCopy(Path hostEtc, String name, String fallback) throws IOException {
    Path host = hostEtc.resolve(name);
    String relative = "etc/" + name;
    try {
      return Item.file(relative, Files.readAllBytes(host), "a copy of the host's " + host, "--name-lookups");
    } catch (NoSuchFileException e) {
      return Item.file(relative, fallback.getBytes(StandardCharsets.UTF_8), "the host has no " + host + ": a minimal one", "--name-lookups");
    }
  }

  /** For a --jvm-files copy that is already there: whether it still holds the host's bytes. */
  private static String contentDiffers(Look l) throws IOException {
    if (!l.item.reason.equals("--jvm-files") || java.util.Arrays.equals(Files.readAllBytes(l.path), l.item.content)) {
      return "";
    }
    return l.item.relative.equals(JVM_FILES_MANIFEST)
        ? ", and it differs from this run's: remove it and run init again for a manifest of the files now"
        : ", and it differs from the host's: apply() prepares its facility as before; remove it and run init again";
  }

  private static void add(Map<String, Item> layout, Item item) throws Doctor.UsageException {
    Item earlier = layout.putIfAbsent(item.relative, item);
    if (earlier != null && !earlier.sameAs(item)) {
      throw new Doctor.UsageException(
          item.reason + " and " + earlier.reason + " collide: " + earlier.reason + " makes " + item.relative + " a " + earlier.describe()
              + ", " + item.reason + " a " + item.describe());
    }
  }

  /** What each entry is now, looked at without following a link. */
  private static List<Look> look(Path root, Map<String, Item> layout) throws IOException {
    List<Look> looks = new ArrayList<>();
    List<String> blocked = new ArrayList<>();
    for (Item item : layout.values()) {
      Path path = item.relative.isEmpty() ? root : root.resolve(item.relative);
      if (blocked.stream().anyMatch(b -> b.isEmpty() || item.relative.startsWith(b + "/"))) {
        looks.add(new Look(item, path, State.UNREACHED, "below a path in the way"));
        continue;
      }
      Map<String, Object> a;
      try {
        a = Files.readAttributes(path, "unix:mode,uid,gid,rdev,nlink", LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        looks.add(new Look(item, path, State.MISSING, "missing"));
        continue;
      }
      Optional<String> linked = hardLinked((Integer) a.get("mode"), (Integer) a.get("nlink"));
      if (linked.isPresent()) {
        blocked.add(item.relative);
        looks.add(new Look(item, path, State.WRONG, linked.get()));
        continue;
      }
      int mode = (Integer) a.get("mode");
      long uid = Integer.toUnsignedLong((Integer) a.get("uid"));
      long gid = Integer.toUnsignedLong((Integer) a.get("gid"));
      Optional<String> wrongKind = wrongKind(item, mode, (Long) a.get("rdev"));
      if (wrongKind.isPresent()) {
        blocked.add(item.relative);
        looks.add(new Look(item, path, State.WRONG, wrongKind.get() + ", not the " + item.describe() + " that " + item.reason + " needs"));
        continue;
      }
      int permissions = mode & 07777;
      if (uid == item.uid && gid == item.gid && permissions == item.mode) {
        looks.add(new Look(item, path, State.SAME, ""));
      } else {
        looks.add(new Look(item, path, State.DIFFERS, uid + ":" + gid + " " + octal(permissions)));
      }
    }
    return looks;
  }

  /**
   * A file or device node with more than one link is also a name somewhere else, perhaps outside
   * the jail (a hard link to a root-only host file): its owner and mode are that file's, and
   * changing them would hand the host file to the daemon's user or open it to everyone. Only a
   * directory's link count says nothing of the kind (its entries' ".." count too).
   */
  private static Optional<String> hardLinked(int mode, int links) {
    return (mode & 0170000) != 0040000 && links > 1
        ? Optional.of("it has " + links + " links (a hard link: the same file may have a name outside the jail, whose owner and mode"
            + " init must not change); copy the file into the jail instead of linking it")
        : Optional.empty();
  }

  private static Optional<String> wrongKind(Item item, int mode, long rdev) {
    int type = mode & 0170000;
    String is;
    switch (type) {
      case 0040000: is = "a directory"; break;
      case 0100000: is = "a regular file"; break;
      case 0120000: is = "a symbolic link"; break;
      case 0020000: is = "a character device " + major(rdev) + "," + minor(rdev); break;
      case 0060000: is = "a block device"; break;
      default: is = "a special file (mode " + Integer.toOctalString(mode) + ")";
    }
    boolean right =
        item.kind == Kind.DIRECTORY ? type == 0040000
            : item.kind == Kind.FILE ? type == 0100000
            : type == 0020000 && major(rdev) == item.major && minor(rdev) == item.minor;
    return right ? Optional.empty() : Optional.of("it is " + is);
  }

  /** The major number of a Linux dev_t (glibc's gnu_dev_major). */
  static long major(long dev) {
    return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & 0xfffff000L);
  }

  /** The minor number of a Linux dev_t (glibc's gnu_dev_minor). */
  static long minor(long dev) {
    return (dev & 0xff) | ((dev >>> 12) & 0xffffff00L);
  }

  private static void make(Path path, Item item, Machine machine) throws IOException {
    switch (item.kind) {
      case DIRECTORY:
        // Made 0700 and root's, then given away: never open to others on the way.
        Files.createDirectory(path, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(permissions(0700)));
        break;
      case FILE:
        Files.write(path, item.content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        break;
      default:
        machine.mknod.make(path, item.major, item.minor);
    }
    setOwnerAndMode(path, item);
  }

  /**
   * Gives an entry the layout's owner and mode, refusing it if it is no longer the kind of entry
   * the layout wants: what was looked at may have been swapped since by whoever could rename in its
   * directory (its owner, before that directory was fixed), and a link followed here would hand a
   * file outside the jail (etc/shadow) to the daemon's user or open it to everyone.
   */
  static void setOwnerAndMode(Path path, Item item) throws IOException {
    // The parents were fixed (or made) root's first, so from here on no one else can swap the entry.
    Map<String, Object> a = Files.readAttributes(path, "unix:mode,rdev,nlink", LinkOption.NOFOLLOW_LINKS);
    Optional<String> wrongKind = wrongKind(item, (Integer) a.get("mode"), (Long) a.get("rdev"));
    if (wrongKind.isEmpty()) {
      wrongKind = hardLinked((Integer) a.get("mode"), (Integer) a.get("nlink"));
    }
    if (wrongKind.isPresent()) {
      throw new IOException(path + " changed since it was looked at: " + wrongKind.get() + ", not the " + item.describe()
          + " that " + item.reason + " needs; left as it is, nothing followed");
    }
    // lchown(2) twice: numeric ids, as a principal looked up by name could be another user named "33".
    Files.setAttribute(path, "unix:uid", (int) item.uid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(path, "unix:gid", (int) item.gid, LinkOption.NOFOLLOW_LINKS);
    if (item.kind == Kind.CHAR_DEVICE) {
      // The no-follow view fchmods an O_NOFOLLOW descriptor, and opening a device node fails on a nodev
      // mount (a jail under /run) or may act: chmod(2) by path, on what was just seen to be this device.
      Files.setPosixFilePermissions(path, permissions(item.mode));
    } else {
      Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setPermissions(permissions(item.mode));
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, highest bit first
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << (8 - i))) != 0) {
        set.add(bits[i]);
      }
    }
    return set;
  }

  /** Removes what this run made, newest first, so that a failure leaves no half-made jail behind. */
  private static void undo(List<Path> made, PrintStream err) {
    for (int i = made.size() - 1; i >= 0; i--) {
      try {
        Files.deleteIfExists(made.get(i));
        err.println("confine-doctor: removed " + made.get(i) + " again (made by this run)");
      } catch (IOException e) {
        err.println("confine-doctor: could not remove " + made.get(i) + " again: " + e);
      }
    }
  }

  /** What check will say of the layout, and the check command that passes on it. */
  private static void notes(Request request, Map<String, Item> layout, Machine machine, PrintStream out) {
    List<String> devices = new ArrayList<>();
    if (request.devNull) {
      devices.add("dev/null");
    }
    if (request.devUrandom) {
      devices.add("dev/urandom");
    }
    if (!devices.isEmpty()) {
      out.println("note: " + String.join(" and ", devices) + (devices.size() == 1 ? " is a device node" : " are device nodes")
          + ", which check reports as an ERROR (device-node) unless accepted: the check below passes --allow-device for "
          + (devices.size() == 1 ? "it" : "each") + ", and the daemon's policy needs allowDeviceNodes(\"" + String.join("\", \"", devices)
          + "\").");
      machine.nodevMount.apply(request.root).ifPresent(
          mount -> out.println("note: " + request.root + " lies on a file system mounted nodev (at " + mount + "): device nodes on it"
              + " cannot be opened; make the jail on a file system mounted without nodev if the daemon needs them."));
    }
    for (String sub : request.writable) {
      out.println("note: " + sub + " is the daemon's user's (mode 0700): check reports it unless accepted, so the check below"
          + " passes --allow-writable " + DoctorFindings.shell(sub) + ", and the daemon's policy needs allowWritable(\"" + sub + "\").");
    }
    StringBuilder check = new StringBuilder("bin/confine-doctor check --root ").append(DoctorFindings.shell(request.root.toString()))
        .append(" --user ").append(DoctorFindings.shell(request.user));
    request.group.ifPresent(g -> check.append(" --group ").append(g));
    if (request.nameLookups) {
      check.append(" --name-lookups");
    }
    request.jvmFiles.ifPresent(home -> out.println("note: the JDK's files are copies of " + home + "'s: apply() in a JVM of that java.home"
        + " skips the preparations they make unnecessary (its report's skippedPreparations); check says when the host's files"
        + " change (an update of the JDK), and the copies must then be made again."));
    devices.forEach(d -> check.append(" --allow-device ").append(d));
    request.writable.forEach(w -> check.append(" --allow-writable ").append(DoctorFindings.shell(w)));
    out.println("next: " + check);
  }

  private static String octal(int mode) {
    return String.format("%04o", mode);
  }

  // ---- the real machine ----

  /** getent(1) passwd: the passwd database as the check and the daemon read it (NSS), not only /etc/passwd. */
  static Optional<long[]> getent(String user) {
    try {
      Process getent = new ProcessBuilder("getent", "passwd", user).redirectErrorStream(true).start();
      String said = new String(getent.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!getent.waitFor(30, TimeUnit.SECONDS)) {
        getent.destroyForcibly();
        throw new UncheckedIOException(new IOException("getent passwd " + user + " did not end within 30 s"));
      }
      if (getent.exitValue() == 2) {
        return Optional.empty(); // no such entry
      }
      String[] fields = said.split("\n")[0].split(":", -1);
      if (getent.exitValue() != 0 || fields.length < 4) {
        throw new UncheckedIOException(new IOException("getent passwd " + user + " failed (exit " + getent.exitValue() + "): " + said));
      }
      return Optional.of(new long[] {Long.parseLong(fields[2]), Long.parseLong(fields[3])});
    } catch (IOException e) {
      throw new UncheckedIOException(new IOException("cannot run getent passwd " + user + ": " + e.getMessage(), e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted while looking up " + user));
    } catch (NumberFormatException e) {
      throw new UncheckedIOException(new IOException("getent passwd " + user + " gave an entry without numeric ids"));
    }
  }

  /** mknod(1): the JDK cannot make a device node. */
  static void mknod(Path path, int major, int minor) throws IOException {
    Process mknod =
        new ProcessBuilder("mknod", "-m", "0600", path.toString(), "c", String.valueOf(major), String.valueOf(minor))
            .redirectErrorStream(true)
            .start();
    String said = new String(mknod.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      if (!mknod.waitFor(30, TimeUnit.SECONDS)) {
        mknod.destroyForcibly();
        throw new IOException("mknod did not end within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making " + path);
    }
    if (mknod.exitValue() != 0) {
      throw new IOException("mknod " + path + " c " + major + " " + minor + " failed (exit " + mknod.exitValue() + "): " + said);
    }
  }

  /** The mount point of the mount holding {@code path}, if it is mounted nodev (from /proc/self/mountinfo). */
  static Optional<String> nodevMount(Path path) {
    try {
      return nodevMount(path, Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return Optional.empty(); // only a note depends on it
    }
  }

  static Optional<String> nodevMount(Path path, List<String> mountinfo) {
    Path best = null;
    boolean nodev = false;
    for (String line : mountinfo) {
      String[] fields = line.split(" ");
      if (fields.length < 6) {
        continue;
      }
      Path point = Path.of(unescape(fields[4]));
      // The last of equal mount points is the one on top.
      if (path.startsWith(point) && (best == null || point.getNameCount() >= best.getNameCount())) {
        best = point;
        nodev = List.of(fields[5].split(",")).contains("nodev");
      }
    }
    return best != null && nodev ? Optional.of(best.toString()) : Optional.empty();
  }

  /** mountinfo writes space, tab, newline and backslash as \ooo. */
  private static String unescape(String field) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
