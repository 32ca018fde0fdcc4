package panface.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Shape;
import panface.tensor.Storage;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * Parameters and their gradients packed into one flat allocation each per (device, dtype) group,
 * every parameter and gradient a view into it: zeroing all gradients is one fill, a gradient
 * all-reduce is one collective over {@link #grads()}, a checkpoint one write of {@link #data()}.
 * Packing copies the values and frees the parameters' previous memory when nothing else views it.
 */
public final class ParameterSlab {
    private final Device device;
    private final DType dtype;
    private final Tensor data;
    private final Tensor grads;
    private final Map<String, Parameter> members;

    private ParameterSlab(Device device, DType dtype, Tensor data, Tensor grads, Map<String, Parameter> members) {
        this.device = device;
        this.dtype = dtype;
        this.data = data;
        this.grads = grads;
        this.members = members;
    }

    /** Packs every trainable parameter of a module; frozen ones (requiresGrad false) get a data slab of their own group without gradients. */
    public static List<ParameterSlab> pack(Module module) {
        Map<String, Map<String, Parameter>> groups = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : module.namedParameters().entrySet()) {
            Tensor t = e.getValue().data();
            String key = t.device() + "/" + t.dtype() + "/" + e.getValue().requiresGrad();
            groups.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(e.getKey(), e.getValue());
        }
        List<ParameterSlab> slabs = new ArrayList<>();
        for (Map<String, Parameter> g : groups.values()) {
            slabs.add(packGroup(g));
        }
        return slabs;
    }

    private static ParameterSlab packGroup(Map<String, Parameter> group) {
        Tensor first = group.values().iterator().next().data();
        Device device = first.device();
        DType dtype = first.dtype();
        boolean trainable = first.requiresGrad();
        long total = 0;
        for (Parameter p : group.values()) {
            total += p.data().numel();
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("parameter group of " + total + " elements exceeds one slab; split the model");
        }
        Tensor data = Tensor.empty(device, dtype, (int) total);
        Tensor grads = trainable ? Tensor.zeros(device, dtype, (int) total) : null;
        int off = 0;
        try (var g = GradMode.noGrad()) {
            for (Parameter p : group.values()) {
                Tensor old = p.data();
                int n = old.numel();
                int[] shape = old.shape();
                Tensor view = Tensor.wrap(data.storage(), off, shape, Shape.contiguousStrides(shape));
                view.copyFrom(old);
                p.set(view);
                view.requiresGrad(trainable);
                if (trainable) {
                    view.setGrad(Tensor.wrap(grads.storage(), off, shape, Shape.contiguousStrides(shape)));
                    view.zeroGrad();    // a buffer, not yet a gradient: the optimizer skips it until backward writes it
                }
                Storage s = old.storage();
                if (old.offset() == 0 && s.numel() == n && s.owner() != null) {
                    s.close();
                }
                off += n;
            }
        }
        return new ParameterSlab(device, dtype, data, grads, group);
    }

    public Device device() {
        return device;
    }

    public DType dtype() {
        return dtype;
    }

    /** The flat values of every member, in order. */
    public Tensor data() {
        return data;
    }

    /** The flat gradients (null for a frozen group). */
    public Tensor grads() {
        return grads;
    }

    /** The members by dotted name, in slab order. */
    public Map<String, Parameter> members() {
        return members;
    }

    /** Zeroes every member's gradient with one fill. */
    public void zeroGrad() {
        if (grads != null) {
            try (var g = GradMode.noGrad()) {
                grads.fillInPlace(0);
            }
        }
    }
}
