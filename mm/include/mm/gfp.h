/* Allocation flags: which zones a request may use and how it behaves. */
#ifndef MM_GFP_H
#define MM_GFP_H

typedef unsigned gfp_t;

#define __GFP_DMA 0x01u     /* ZONE_DMA only */
#define __GFP_HIGHMEM 0x02u /* ZONE_HIGHMEM first, then NORMAL, then DMA */
#define __GFP_ZERO 0x04u    /* return zeroed memory */
#define __GFP_ATOMIC 0x08u  /* may dip below the min watermark; never sleeps (nothing does here) */
#define __GFP_NOWARN 0x10u  /* do not report a failure on the console */
#define __GFP_MEMALLOC 0x20u /* ignore the watermarks: may take every free page (self tests) */
/* only the first zone of the fallback list (experiments, self tests) */
#define __GFP_THISZONE 0x40u
/* an order-0 page from this CPU's cold list: the caller will not touch it soon (DMA buffers) */
#define __GFP_COLD 0x80u

#define GFP_KERNEL 0u                       /* ZONE_NORMAL, falling back to ZONE_DMA */
#define GFP_ATOMIC (__GFP_ATOMIC)
#define GFP_DMA (__GFP_DMA)
#define GFP_HIGHUSER (__GFP_HIGHMEM)

#endif
