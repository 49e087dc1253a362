package org.resnet4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes HDF5 files the way h5py does by default (the "earliest" file format): a version 0
 * superblock, version 1 object headers, groups as symbol tables (a local heap of names, a
 * version 1 B-tree, symbol-table nodes), contiguous little-endian datasets, and attributes held
 * in the object header, with variable-length strings in a global heap. These are the
 * structures of the Keras files h5py writes, and every HDF5 reader since 1.8 reads them.
 *
 * <p>What it holds: groups (nested, empty ones too), float32 and int64 datasets of any rank
 * (scalars too), and attributes: one variable-length UTF-8 string (of any length, so Keras's
 * {@code model_config} of a deep model fits), an array of fixed-length strings (what numpy's
 * {@code S} arrays become), or an empty float64 array (what h5py makes of an empty list).
 *
 * <p>Build the tree from {@link #root()}, then {@link #write} it. The file appears complete or
 * not at all: it is written beside the target under a temporary name and renamed into place.
 */
public final class Hdf5Writer {

    private static final long UNDEFINED = -1L;
    private static final int SUPERBLOCK_SIZE = 96;
    /** Symbol-table entries per symbol-table node are 2 * LEAF_K (h5py's default K). */
    private static final int LEAF_K = 4;
    private static final int DEFAULT_INTERNAL_K = 16;
    private static final int ENTRY_SIZE = 40;
    /** An object-header message's size is a 16-bit field. */
    private static final int MAX_MESSAGE = 0xFFFF;
    private static final int MIN_GLOBAL_HEAP = 4096;

    /** HDF5 orders a group's links by the bytes of their names. */
    private static final Comparator<String> BYTEWISE = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    private static final byte[] FLOAT32 = {0x11, 0x20, 0x1f, 0x00, 4, 0, 0, 0, 0, 0, 32, 0, 23, 8, 0, 23, 127, 0, 0, 0};
    private static final byte[] FLOAT64 = {0x11, 0x20, 0x3f, 0x00, 8, 0, 0, 0, 0, 0, 64, 0, 52, 11, 0, 52, (byte) 0xff, 3, 0, 0};
    private static final byte[] INT64 = {0x10, 0x08, 0x00, 0x00, 8, 0, 0, 0, 0, 0, 64, 0};
    /** Variable-length UTF-8 string, null-terminated, over unsigned bytes: h5py's {@code str}. */
    private static final byte[] VLEN_UTF8 = {0x19, 0x01, 0x01, 0x00, 16, 0, 0, 0, 0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 8, 0};

    private final Group root = new Group("/");
    private final List<byte[]> heapStrings = new ArrayList<>();

    /** The root group, to build the file's tree from. */
    public Group root() {
        return root;
    }

    /** A group: child groups and datasets by name, and attributes. */
    public final class Group {
        private final String path;
        private final Map<String, Object> children = new TreeMap<>(BYTEWISE);
        private final List<Attr> attributes = new ArrayList<>();
        private final Set<String> attributeNames = new HashSet<>();

        private Group(String path) {
            this.path = path;
        }

        /** The group at {@code path} below this one ({@code a/b} for nested), created as needed. */
        public Group group(String path) {
            Group g = this;
            for (String part : path.split("/", -1)) {
                Object c = g.children.get(checkName(g, part));
                if (c == null) {
                    Group n = new Group(g.childPath(part));
                    g.children.put(part, n);
                    g = n;
                } else if (c instanceof Group cg) {
                    g = cg;
                } else {
                    throw new IllegalArgumentException(g.childPath(part) + " is a dataset, not a group");
                }
            }
            return g;
        }

        /** A float32 dataset of shape {@code dims} (none for a scalar); parent groups are created. */
        public void dataset(String path, float[] values, int... dims) {
            long n = 1;
            for (int d : dims) {
                if (d < 0) {
                    throw new IllegalArgumentException(childPath(path) + ": negative dimension in " + Arrays.toString(dims));
                }
                n *= d;
            }
            if (n != values.length) {
                throw new IllegalArgumentException(childPath(path) + ": shape " + Arrays.toString(dims) + " holds " + n
                        + " values; received " + values.length);
            }
            put(path, new Data(FLOAT32, longs(dims), 4L * values.length, values));
        }

        /** A scalar int64 dataset. */
        public void dataset(String path, long value) {
            put(path, new Data(INT64, new long[0], 8, value));
        }

        private void put(String path, Data d) {
            int slash = path.lastIndexOf('/');
            Group parent = slash < 0 ? this : group(path.substring(0, slash));
            String name = checkName(parent, path.substring(slash + 1));
            if (parent.children.containsKey(name)) {
                throw new IllegalArgumentException(parent.childPath(name) + " already exists");
            }
            parent.children.put(name, d);
        }

        /** A scalar variable-length UTF-8 string attribute (h5py's {@code attrs[name] = str}). */
        public void attribute(String name, String value) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            heapStrings.add(bytes);
            addAttribute(new Attr(name, VLEN_UTF8, dataspace(new long[0]), null, heapStrings.size(), bytes.length));
        }

        /**
         * An array of fixed-length, null-padded strings as long as the longest (numpy's {@code S}
         * arrays); an empty list becomes an empty float64 array, as h5py stores {@code []}.
         */
        public void attribute(String name, List<String> values) {
            if (values.isEmpty()) {
                addAttribute(new Attr(name, FLOAT64, dataspace(new long[] {0}), new byte[0], 0, 0));
                return;
            }
            List<byte[]> encoded = new ArrayList<>();
            int width = 1;
            boolean ascii = true;
            for (String v : values) {
                byte[] b = v.getBytes(StandardCharsets.UTF_8);
                ascii &= b.length == v.length();
                width = Math.max(width, b.length);
                encoded.add(b);
            }
            byte[] data = new byte[width * encoded.size()];
            for (int i = 0; i < encoded.size(); i++) {
                System.arraycopy(encoded.get(i), 0, data, i * width, encoded.get(i).length);
            }
            ByteBuffer type = le(8);
            type.put((byte) 0x13).put((byte) (ascii ? 0x01 : 0x11)).put((byte) 0).put((byte) 0).putInt(width);
            addAttribute(new Attr(name, type.array(), dataspace(new long[] {values.size()}), data, 0, 0));
        }

        private void addAttribute(Attr a) {
            if (a.name.isEmpty() || a.name.indexOf('\0') >= 0) {
                throw new IllegalArgumentException(path + ": invalid attribute name '" + a.name + "'");
            }
            if (!attributeNames.add(a.name)) {
                throw new IllegalArgumentException(path + ": attribute '" + a.name + "' already exists");
            }
            if (pad8(a.messageSize()) > MAX_MESSAGE) {
                throw new IllegalArgumentException(path + ": attribute '" + a.name + "' takes " + a.messageSize()
                        + " bytes; an HDF5 object-header message holds at most " + MAX_MESSAGE
                        + " (split it, as Keras does with name0, name1, ...)");
            }
            attributes.add(a);
        }

        private String childPath(String name) {
            return path.equals("/") ? "/" + name : path + "/" + name;
        }
    }

    private static String checkName(Group parent, String name) {
        if (name.isEmpty() || name.equals(".") || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(parent.path + ": invalid link name '" + name + "'");
        }
        return name;
    }

    private static long[] longs(int[] dims) {
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = dims[i];
        }
        return out;
    }

    /** A dataset: its datatype, shape, byte size and values (a float[] or a Long). */
    private record Data(byte[] type, long[] dims, long bytes, Object values) {
    }

    /** An attribute; {@code heapIndex} > 0 for a variable-length string stored in the global heap. */
    private record Attr(String name, byte[] type, byte[] space, byte[] data, int heapIndex, int heapLength) {

        byte[] nameBytes() {
            return (name + "\0").getBytes(StandardCharsets.UTF_8);
        }

        int dataSize() {
            return heapIndex > 0 ? 16 : data.length;
        }

        int messageSize() {
            return 8 + pad8(nameBytes().length) + pad8(type.length) + pad8(space.length) + dataSize();
        }
    }

    /** A version 1 dataspace message: rank, and the dimensions twice (current and maximum). */
    private static byte[] dataspace(long[] dims) {
        ByteBuffer b = le(8 + 16 * dims.length);
        b.put((byte) 1).put((byte) dims.length).put((byte) (dims.length > 0 ? 1 : 0)).put((byte) 0).putInt(0);
        for (long d : dims) {
            b.putLong(d);
        }
        for (long d : dims) {
            b.putLong(d);
        }
        return b.array();
    }

    // ---------------------------------------------------------------- writing

    private FileChannel out;
    private long eof;
    private int internalK;

    /**
     * Writes the tree to {@code file}, atomically: a temporary file beside it is renamed into
     * place when complete, and removed if anything fails.
     */
    public void write(Path file) throws IOException {
        AtomicFiles.replace(file, this::writeTo);
    }

    /**
     * Writes the tree to {@code file} in place, creating or truncating it: for a scratch file
     * that is never read while being written.
     */
    public void writeTo(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out = ch;
            writeAll();
        } finally {
            out = null;
        }
    }

    private void writeAll() throws IOException {
        int maxLinks = maxLinks(root);
        int nodes = (maxLinks + 2 * LEAF_K - 1) / (2 * LEAF_K);
        internalK = Math.max(DEFAULT_INTERNAL_K, (nodes + 1) / 2);
        eof = SUPERBLOCK_SIZE;
        long heap = heapStrings.isEmpty() ? UNDEFINED : writeGlobalHeap();
        Placed r = writeGroup(root, heap);
        ByteBuffer sb = le(SUPERBLOCK_SIZE);
        sb.put(Hdf5Files.SIGNATURE);
        sb.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0); // superblock, free space, root table, reserved
        sb.put((byte) 0).put((byte) 8).put((byte) 8).put((byte) 0); // shared header version, offset/length sizes
        sb.putShort((short) LEAF_K).putShort((short) internalK).putInt(0);
        sb.putLong(0).putLong(UNDEFINED).putLong(eof).putLong(UNDEFINED);
        entry(sb, 0, r);
        at(0, sb);
    }

    private static int maxLinks(Group g) {
        int max = g.children.size();
        for (Object c : g.children.values()) {
            if (c instanceof Group cg) {
                max = Math.max(max, maxLinks(cg));
            }
        }
        return max;
    }

    private long alloc(long size) {
        long a = (eof + 7) & ~7L;
        eof = a + size;
        return a;
    }

    private void at(long address, ByteBuffer b) throws IOException {
        b.flip();
        while (b.hasRemaining()) {
            address += out.write(b, address);
        }
    }

    /** One collection holding every variable-length string, objects numbered from 1. */
    private long writeGlobalHeap() throws IOException {
        long used = 16;
        for (byte[] s : heapStrings) {
            used += 16 + pad8(s.length);
        }
        long size = Math.max(MIN_GLOBAL_HEAP, used + 16);
        long address = alloc(size);
        ByteBuffer b = le(Math.toIntExact(size));
        b.put(new byte[] {'G', 'C', 'O', 'L', 1, 0, 0, 0}).putLong(size);
        for (int i = 0; i < heapStrings.size(); i++) {
            byte[] s = heapStrings.get(i);
            b.putShort((short) (i + 1)).putShort((short) 0).putInt(0).putLong(s.length).put(s);
            b.position(b.position() + pad8(s.length) - s.length);
        }
        b.putShort((short) 0).putShort((short) 0).putInt(0).putLong(size - used); // the free space, object 0
        b.position(b.capacity());
        at(address, b);
        return address;
    }

    /** Where a group or dataset went: its object header, and for a group its B-tree and heap. */
    private record Placed(long header, long btree, long heap) {
    }

    private Placed writeGroup(Group g, long globalHeap) throws IOException {
        List<Attr> attrs = g.attributes;
        long header = alloc(headerSize(16, attrs));

        // The local heap: the empty name at offset 0, each link's name, then a free block.
        List<String> names = new ArrayList<>(g.children.keySet());
        long[] nameOffset = new long[names.size()];
        int used = 8;
        for (int i = 0; i < names.size(); i++) {
            nameOffset[i] = used;
            used += pad8(names.get(i).getBytes(StandardCharsets.UTF_8).length + 1);
        }
        int heapSize = used + 16;
        long heap = alloc(32);
        long heapData = alloc(heapSize);
        ByteBuffer h = le(32);
        h.put(new byte[] {'H', 'E', 'A', 'P', 0, 0, 0, 0}).putLong(heapSize).putLong(used).putLong(heapData);
        at(heap, h);
        ByteBuffer hd = le(heapSize);
        for (int i = 0; i < names.size(); i++) {
            hd.position((int) nameOffset[i]);
            hd.put(names.get(i).getBytes(StandardCharsets.UTF_8));
        }
        hd.position(used);
        hd.putLong(1).putLong(16); // free block: no next one (HDF5 marks the end with 1), 16 bytes
        at(heapData, hd);

        int perNode = 2 * LEAF_K;
        int nodeCount = (names.size() + perNode - 1) / perNode;
        long btree = alloc(24 + (2L * internalK + 1) * 8 + 2L * internalK * 8);
        long[] nodes = new long[nodeCount];
        for (int i = 0; i < nodeCount; i++) {
            nodes[i] = alloc(8 + (long) perNode * ENTRY_SIZE);
        }

        Placed[] placed = new Placed[names.size()];
        for (int i = 0; i < names.size(); i++) {
            Object child = g.children.get(names.get(i));
            placed[i] = child instanceof Group cg ? writeGroup(cg, globalHeap) : writeDataset((Data) child);
        }

        ByteBuffer t = le(24 + (2 * internalK + 1) * 8 + 2 * internalK * 8);
        t.put(new byte[] {'T', 'R', 'E', 'E', 0, 0}).putShort((short) nodeCount).putLong(UNDEFINED).putLong(UNDEFINED);
        t.putLong(0);
        for (int i = 0; i < nodeCount; i++) {
            int last = Math.min(names.size(), (i + 1) * perNode) - 1;
            t.putLong(nodes[i]).putLong(nameOffset[last]);
        }
        t.position(t.capacity());
        at(btree, t);
        for (int i = 0; i < nodeCount; i++) {
            ByteBuffer s = le(8 + perNode * ENTRY_SIZE);
            int from = i * perNode;
            int to = Math.min(names.size(), from + perNode);
            s.put(new byte[] {'S', 'N', 'O', 'D', 1, 0}).putShort((short) (to - from));
            for (int j = from; j < to; j++) {
                entry(s, nameOffset[j], placed[j]);
            }
            s.position(s.capacity());
            at(nodes[i], s);
        }

        ByteBuffer m = header(attrs.size() + 1, headerSize(16, attrs));
        message(m, 0x11, 0, le(16).putLong(btree).putLong(heap).array());
        attributes(m, attrs, globalHeap);
        at(header, m);
        return new Placed(header, btree, heap);
    }

    private Placed writeDataset(Data d) throws IOException {
        byte[] space = dataspace(d.dims);
        int[] sizes = {space.length, d.type.length, 8, 18};
        long headerSize = 16;
        for (int s : sizes) {
            headerSize += 8 + pad8(s);
        }
        long header = alloc(headerSize);
        long data = alloc(d.bytes);
        ByteBuffer m = header(sizes.length, headerSize);
        message(m, 0x01, 0, space);
        message(m, 0x03, 1, d.type);
        message(m, 0x05, 1, new byte[] {2, 2, 2, 1, 0, 0, 0, 0}); // fill value: version 2, none stored
        message(m, 0x08, 0, le(18).put((byte) 3).put((byte) 1).putLong(data).putLong(d.bytes).array()); // contiguous
        at(header, m);
        if (d.values instanceof Long v) {
            at(data, le(8).putLong(v));
        } else {
            float[] f = (float[]) d.values;
            int chunk = 1 << 18;
            for (int from = 0; from < f.length; from += chunk) {
                int n = Math.min(chunk, f.length - from);
                ByteBuffer b = le(4 * n);
                b.asFloatBuffer().put(f, from, n);
                b.position(4 * n);
                at(data + 4L * from, b);
            }
        }
        return new Placed(header, UNDEFINED, UNDEFINED);
    }

    private static long headerSize(int firstMessage, List<Attr> attrs) {
        long size = 16 + 8 + pad8(firstMessage);
        for (Attr a : attrs) {
            size += 8 + pad8(a.messageSize());
        }
        return size;
    }

    /** A version 1 object header's prefix; messages follow, each aligned to 8 bytes. */
    private static ByteBuffer header(int messages, long size) {
        ByteBuffer b = le(Math.toIntExact(size));
        b.put((byte) 1).put((byte) 0).putShort((short) messages).putInt(1).putInt(Math.toIntExact(size - 16)).putInt(0);
        return b;
    }

    /** Puts one message: type, size and flags, then its body padded to 8 bytes. */
    private static void message(ByteBuffer b, int type, int flags, byte[] body) {
        b.putShort((short) type).putShort((short) pad8(body.length)).put((byte) flags).put(new byte[3]);
        b.put(body).position(b.position() + pad8(body.length) - body.length);
    }

    /** Version 1 attribute messages: name, datatype and dataspace each padded to 8, then the data. */
    private void attributes(ByteBuffer m, List<Attr> attrs, long globalHeap) {
        for (Attr a : attrs) {
            ByteBuffer body = le(a.messageSize());
            byte[] name = a.nameBytes();
            body.put((byte) 1).put((byte) 0).putShort((short) name.length).putShort((short) a.type.length)
                    .putShort((short) a.space.length);
            body.put(name).position(body.position() + pad8(name.length) - name.length);
            body.put(a.type).position(body.position() + pad8(a.type.length) - a.type.length);
            body.put(a.space).position(body.position() + pad8(a.space.length) - a.space.length);
            if (a.heapIndex > 0) {
                body.putInt(a.heapLength).putLong(globalHeap).putInt(a.heapIndex);
            } else {
                body.put(a.data);
            }
            message(m, 0x0C, 0, body.array());
        }
    }

    /** A symbol-table entry: name offset, object header, and for groups the cached B-tree and heap. */
    private static void entry(ByteBuffer b, long nameOffset, Placed p) {
        b.putLong(nameOffset).putLong(p.header);
        if (p.btree != UNDEFINED) {
            b.putInt(1).putInt(0).putLong(p.btree).putLong(p.heap);
        } else {
            b.putInt(0).putInt(0).putLong(0).putLong(0);
        }
    }

    private static int pad8(int n) {
        return (n + 7) & ~7;
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
