@description('Storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string
param location string
param tags object

@description('Blob container that holds the deployment package for Flex Consumption.')
param deploymentContainerName string

@description('Prefix of the runtime store\'s tables, queues and container (Journeys__Storage__AzureStorage__NamePrefix).')
param namePrefix string

@description('Control queues of the runtime store (Journeys__Storage__AzureStorage__PartitionCount): one functions/control-NN folder each.')
param partitionCount int

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    // Managed identity only: no account keys, no anonymous blobs.
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: deploymentContainerName
}

// The runtime store's names (docs/azure-storage.md). The store also creates them on start-up when missing; declaring them
// here lets the queue triggers listen from the first second and shows the layout in the portal.
resource payloadContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: '${namePrefix}-payloads'
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource runtimeTables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [for table in [
  '${namePrefix}Instances'
  '${namePrefix}Schedule'
]: {
  parent: tableService
  name: table
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource controlQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for i in range(0, partitionCount): {
  parent: queueService
  name: '${namePrefix}-control-${padLeft(string(i), 2, '0')}'
}]

resource workItemQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: '${namePrefix}-workitems'
}

output name string = account.name
output id string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
output controlQueueNames array = [for i in range(0, partitionCount): '${namePrefix}-control-${padLeft(string(i), 2, '0')}']
output workItemQueueName string = workItemQueue.name
