package w2s.model.arch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * Reads the fp32 initializers of a torch.onnx export of a BERT model under their Hugging Face names.
 *
 * <p>The exporter keeps the names of biases, LayerNorm and embedding parameters, but a {@code Linear} becomes a
 * {@code MatMul} against a transposed [in, out] copy of its weight named like {@code onnx::MatMul_787}, followed by an
 * {@code Add} of the (still named) bias. So such a weight takes its name from the bias added to its product.
 */
final class OnnxWeights {
    private OnnxWeights() {}

    static Map<String, StoredTensor> read(String origin, InputStream onnx) throws IOException {
        GraphProto graph = ModelProto.parseFrom(onnx).getGraph();
        Map<String, TensorProto> initializers = new LinkedHashMap<>();
        for (TensorProto t : graph.getInitializerList()) {
            if (t.getName().endsWith("_quantized")) {
                throw new IllegalArgumentException(origin + ": initializer '" + t.getName() + "' is quantized;"
                        + " fine-tuning needs the fp32 export of this model");
            }
            initializers.put(t.getName(), t);
        }
        Map<String, NodeProto> addByInput = new HashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            if (n.getOpType().equals("Add")) for (String in : n.getInputList()) addByInput.put(in, n);
        }

        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        for (TensorProto t : initializers.values()) {
            if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE && isHuggingFaceName(t.getName())) {
                tensors.put(hfName(t.getName()), toTensor(origin, t));
            }
        }
        for (NodeProto n : graph.getNodeList()) {
            if (!n.getOpType().equals("MatMul") || !initializers.containsKey(n.getInput(1))) continue;
            TensorProto weight = initializers.get(n.getInput(1));
            if (isHuggingFaceName(weight.getName())) continue;
            NodeProto add = addByInput.get(n.getOutput(0));
            String bias = add == null ? null : add.getInputList().stream()
                    .filter(in -> in.endsWith(".bias") && initializers.containsKey(in)).findFirst().orElse(null);
            if (bias == null) {
                throw new IllegalArgumentException(origin + ": cannot name MatMul weight '" + weight.getName()
                        + "' of node '" + n.getName() + "': no named bias is added to its product");
            }
            String name = hfName(bias.substring(0, bias.length() - "bias".length()) + "weight");
            tensors.put(name, toTensor(origin, weight).transposed());
        }
        return tensors;
    }

    private static boolean isHuggingFaceName(String name) {
        return name.startsWith("embeddings.") || name.startsWith("encoder.") || name.startsWith("bert.");
    }

    private static String hfName(String name) {
        return name.startsWith("bert.") ? name.substring(5) : name;
    }

    private static StoredTensor toTensor(String origin, TensorProto t) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException(origin + ": initializer '" + t.getName() + "' is stored in an external"
                    + " file, which is not supported");
        }
        long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        float[] data;
        if (!t.getRawData().isEmpty()) {
            data = new float[t.getRawData().size() / Float.BYTES];
            t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        } else {
            List<Float> values = t.getFloatDataList();
            data = new float[values.size()];
            for (int i = 0; i < data.length; i++) data[i] = values.get(i);
        }
        return new StoredTensor(shape, data);
    }
}
