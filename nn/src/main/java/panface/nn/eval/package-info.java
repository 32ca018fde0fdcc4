/**
 * Face verification as insightface evaluates it: its binary packs of pairs, embeddings of each
 * image plus its mirror image, 10-fold accuracy with the threshold chosen on nine folds, ROC curves
 * and TAR at fixed FAR, and pair lists over image folders.
 */
package panface.nn.eval;
