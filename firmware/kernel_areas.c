/* Bring up the kernel virtual areas above high_memory once the buddy allocator runs. */
void kernel_areas_init(void);

void kernel_areas_init(void)
{
}
