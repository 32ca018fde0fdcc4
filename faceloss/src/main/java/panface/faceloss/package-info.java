/** Margin losses, Partial FC, EPL prototypes, the LVFace curriculum, and the DINO, QUD and GIF losses. */
package panface.faceloss;
