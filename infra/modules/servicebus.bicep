@description('Service Bus namespace name (6-50 characters).')
@minLength(6)
@maxLength(50)
param name string
param location string
param tags object

@description('The topic journey milestones are published to (Journeys__Milestones__ServiceBus__Topic).')
param topicName string

// Standard: topics and subscriptions (Basic has queues only). Local (SAS) auth is off: senders and subscribers use
// Entra ID identities and the Azure Service Bus Data Sender / Receiver roles.
resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

// Duplicate detection on the message id: the publisher's ids are stable per milestone, so a retried publish within
// the window is dropped by Service Bus; subscribers see the same id on any later duplicate.
resource topic 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' = {
  parent: namespace
  name: topicName
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    defaultMessageTimeToLive: 'P14D'
    maxSizeInMegabytes: 1024
    enableBatchedOperations: true
  }
}

output name string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output topicName string = topic.name
