/**
 * GIF identity codes: code vectors from an embedding model, their homogenisation, the balanced
 * hierarchical k-means tree whose paths are the codes, and the code file. Most choices here are
 * not published by the paper and are named options; see each class for the default and why.
 */
package panface.faceloss.gif;
